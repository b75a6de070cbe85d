-- hannoy 0.3.0 -> 0.4.0: filters inside the index (issue 12).  Index
-- columns after the vector are attributes: each element keeps their values
-- and a scan checks its conditions on them while it walks the graph
-- (src/README.filters).  These are their operator classes, the defaults
-- for their types, so CREATE INDEX need not name them.  Strategies are
-- btree's (1 <, 2 <=, 3 =, 4 >=, 5 >) and for arrays 6 &&, 7 @>, 8 <@.
-- A family holds every cross-type operator (and so its commutator): else
-- a condition such as int8col = 42, which is =(int8, int4), would stay a
-- filter above the scan.
\echo Use "ALTER EXTENSION hannoy UPDATE TO '0.4.0'" to load this file. \quit

-- int2, int4, int8, compared with one another
CREATE OPERATOR FAMILY integer_ops USING hannoy;
CREATE OPERATOR CLASS int2_ops DEFAULT FOR TYPE int2 USING hannoy FAMILY integer_ops AS
	OPERATOR 1 pg_catalog.< (int2, int2),
	OPERATOR 2 pg_catalog.<= (int2, int2),
	OPERATOR 3 pg_catalog.= (int2, int2),
	OPERATOR 4 pg_catalog.>= (int2, int2),
	OPERATOR 5 pg_catalog.> (int2, int2);
CREATE OPERATOR CLASS int4_ops DEFAULT FOR TYPE int4 USING hannoy FAMILY integer_ops AS
	OPERATOR 1 pg_catalog.< (int4, int4),
	OPERATOR 2 pg_catalog.<= (int4, int4),
	OPERATOR 3 pg_catalog.= (int4, int4),
	OPERATOR 4 pg_catalog.>= (int4, int4),
	OPERATOR 5 pg_catalog.> (int4, int4);
CREATE OPERATOR CLASS int8_ops DEFAULT FOR TYPE int8 USING hannoy FAMILY integer_ops AS
	OPERATOR 1 pg_catalog.< (int8, int8),
	OPERATOR 2 pg_catalog.<= (int8, int8),
	OPERATOR 3 pg_catalog.= (int8, int8),
	OPERATOR 4 pg_catalog.>= (int8, int8),
	OPERATOR 5 pg_catalog.> (int8, int8);
ALTER OPERATOR FAMILY integer_ops USING hannoy ADD
	OPERATOR 1 pg_catalog.< (int2, int4),
	OPERATOR 2 pg_catalog.<= (int2, int4),
	OPERATOR 3 pg_catalog.= (int2, int4),
	OPERATOR 4 pg_catalog.>= (int2, int4),
	OPERATOR 5 pg_catalog.> (int2, int4),
	OPERATOR 1 pg_catalog.< (int2, int8),
	OPERATOR 2 pg_catalog.<= (int2, int8),
	OPERATOR 3 pg_catalog.= (int2, int8),
	OPERATOR 4 pg_catalog.>= (int2, int8),
	OPERATOR 5 pg_catalog.> (int2, int8),
	OPERATOR 1 pg_catalog.< (int4, int2),
	OPERATOR 2 pg_catalog.<= (int4, int2),
	OPERATOR 3 pg_catalog.= (int4, int2),
	OPERATOR 4 pg_catalog.>= (int4, int2),
	OPERATOR 5 pg_catalog.> (int4, int2),
	OPERATOR 1 pg_catalog.< (int4, int8),
	OPERATOR 2 pg_catalog.<= (int4, int8),
	OPERATOR 3 pg_catalog.= (int4, int8),
	OPERATOR 4 pg_catalog.>= (int4, int8),
	OPERATOR 5 pg_catalog.> (int4, int8),
	OPERATOR 1 pg_catalog.< (int8, int2),
	OPERATOR 2 pg_catalog.<= (int8, int2),
	OPERATOR 3 pg_catalog.= (int8, int2),
	OPERATOR 4 pg_catalog.>= (int8, int2),
	OPERATOR 5 pg_catalog.> (int8, int2),
	OPERATOR 1 pg_catalog.< (int8, int4),
	OPERATOR 2 pg_catalog.<= (int8, int4),
	OPERATOR 3 pg_catalog.= (int8, int4),
	OPERATOR 4 pg_catalog.>= (int8, int4),
	OPERATOR 5 pg_catalog.> (int8, int4);

-- date, timestamp, timestamptz, compared with one another
CREATE OPERATOR FAMILY datetime_ops USING hannoy;
CREATE OPERATOR CLASS date_ops DEFAULT FOR TYPE date USING hannoy FAMILY datetime_ops AS
	OPERATOR 1 pg_catalog.< (date, date),
	OPERATOR 2 pg_catalog.<= (date, date),
	OPERATOR 3 pg_catalog.= (date, date),
	OPERATOR 4 pg_catalog.>= (date, date),
	OPERATOR 5 pg_catalog.> (date, date);
CREATE OPERATOR CLASS timestamp_ops DEFAULT FOR TYPE timestamp USING hannoy FAMILY datetime_ops AS
	OPERATOR 1 pg_catalog.< (timestamp, timestamp),
	OPERATOR 2 pg_catalog.<= (timestamp, timestamp),
	OPERATOR 3 pg_catalog.= (timestamp, timestamp),
	OPERATOR 4 pg_catalog.>= (timestamp, timestamp),
	OPERATOR 5 pg_catalog.> (timestamp, timestamp);
CREATE OPERATOR CLASS timestamptz_ops DEFAULT FOR TYPE timestamptz USING hannoy FAMILY datetime_ops AS
	OPERATOR 1 pg_catalog.< (timestamptz, timestamptz),
	OPERATOR 2 pg_catalog.<= (timestamptz, timestamptz),
	OPERATOR 3 pg_catalog.= (timestamptz, timestamptz),
	OPERATOR 4 pg_catalog.>= (timestamptz, timestamptz),
	OPERATOR 5 pg_catalog.> (timestamptz, timestamptz);
ALTER OPERATOR FAMILY datetime_ops USING hannoy ADD
	OPERATOR 1 pg_catalog.< (date, timestamp),
	OPERATOR 2 pg_catalog.<= (date, timestamp),
	OPERATOR 3 pg_catalog.= (date, timestamp),
	OPERATOR 4 pg_catalog.>= (date, timestamp),
	OPERATOR 5 pg_catalog.> (date, timestamp),
	OPERATOR 1 pg_catalog.< (date, timestamptz),
	OPERATOR 2 pg_catalog.<= (date, timestamptz),
	OPERATOR 3 pg_catalog.= (date, timestamptz),
	OPERATOR 4 pg_catalog.>= (date, timestamptz),
	OPERATOR 5 pg_catalog.> (date, timestamptz),
	OPERATOR 1 pg_catalog.< (timestamp, date),
	OPERATOR 2 pg_catalog.<= (timestamp, date),
	OPERATOR 3 pg_catalog.= (timestamp, date),
	OPERATOR 4 pg_catalog.>= (timestamp, date),
	OPERATOR 5 pg_catalog.> (timestamp, date),
	OPERATOR 1 pg_catalog.< (timestamp, timestamptz),
	OPERATOR 2 pg_catalog.<= (timestamp, timestamptz),
	OPERATOR 3 pg_catalog.= (timestamp, timestamptz),
	OPERATOR 4 pg_catalog.>= (timestamp, timestamptz),
	OPERATOR 5 pg_catalog.> (timestamp, timestamptz),
	OPERATOR 1 pg_catalog.< (timestamptz, date),
	OPERATOR 2 pg_catalog.<= (timestamptz, date),
	OPERATOR 3 pg_catalog.= (timestamptz, date),
	OPERATOR 4 pg_catalog.>= (timestamptz, date),
	OPERATOR 5 pg_catalog.> (timestamptz, date),
	OPERATOR 1 pg_catalog.< (timestamptz, timestamp),
	OPERATOR 2 pg_catalog.<= (timestamptz, timestamp),
	OPERATOR 3 pg_catalog.= (timestamptz, timestamp),
	OPERATOR 4 pg_catalog.>= (timestamptz, timestamp),
	OPERATOR 5 pg_catalog.> (timestamptz, timestamp);

-- uuid
CREATE OPERATOR FAMILY uuid_ops USING hannoy;
CREATE OPERATOR CLASS uuid_ops DEFAULT FOR TYPE uuid USING hannoy FAMILY uuid_ops AS
	OPERATOR 1 pg_catalog.< (uuid, uuid),
	OPERATOR 2 pg_catalog.<= (uuid, uuid),
	OPERATOR 3 pg_catalog.= (uuid, uuid),
	OPERATOR 4 pg_catalog.>= (uuid, uuid),
	OPERATOR 5 pg_catalog.> (uuid, uuid);

-- text: equality only (under the condition's collation)
CREATE OPERATOR CLASS text_ops DEFAULT FOR TYPE text USING hannoy AS
	OPERATOR 3 pg_catalog.= (text, text);

-- bool: equality with a parameter or column (PostgreSQL turns flag = true
-- into flag, which only btree's and hash's bool families match); IS NULL
CREATE OPERATOR CLASS bool_ops DEFAULT FOR TYPE bool USING hannoy AS
	OPERATOR 3 pg_catalog.= (bool, bool);

-- arrays of any element type: equality, overlap, contains, contained by
CREATE OPERATOR CLASS array_ops DEFAULT FOR TYPE anyarray USING hannoy AS
	OPERATOR 3 pg_catalog.= (anyarray, anyarray),
	OPERATOR 6 pg_catalog.&& (anyarray, anyarray),
	OPERATOR 7 pg_catalog.@> (anyarray, anyarray),
	OPERATOR 8 pg_catalog.<@ (anyarray, anyarray);

-- two more columns: where the value sets start, and their buckets
-- (on-disk format version 6; both 0 for an index without them)
DROP FUNCTION hannoy_metapage_info(regclass);
CREATE FUNCTION hannoy_metapage_info(index regclass,
	OUT magic text, OUT version integer, OUT dimensions integer,
	OUT m integer, OUT ef_construction integer, OUT storage text,
	OUT entry_block bigint, OUT entry_offset integer, OUT entry_level integer,
	OUT max_level integer, OUT elements bigint,
	OUT pq_m integer, OUT codebook_block bigint, OUT trained_on bigint,
	OUT value_sets_block bigint, OUT value_buckets bigint)
	AS 'MODULE_PATHNAME', 'hannoy_metapage_info' LANGUAGE C STRICT PARALLEL SAFE;
REVOKE ALL ON FUNCTION hannoy_metapage_info(regclass) FROM PUBLIC;

-- bit vectors (issue 13), on PostgreSQL's bit type, as pgvector names them
CREATE FUNCTION hamming_distance(bit, bit) RETURNS float8
	AS 'MODULE_PATHNAME', 'hannoy_hamming_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION jaccard_distance(bit, bit) RETURNS float8
	AS 'MODULE_PATHNAME', 'hannoy_jaccard_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR <~> (
	LEFTARG = bit, RIGHTARG = bit, FUNCTION = hamming_distance, COMMUTATOR = '<~>'
);
CREATE OPERATOR <%> (
	LEFTARG = bit, RIGHTARG = bit, FUNCTION = jaccard_distance, COMMUTATOR = '<%>'
);
CREATE FUNCTION binary_quantize(vector) RETURNS bit
	AS 'MODULE_PATHNAME', 'hannoy_vector_binary_quantize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION binary_quantize(halfvec) RETURNS bit
	AS 'MODULE_PATHNAME', 'hannoy_halfvec_binary_quantize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- bit opclasses: the bits stored as they are (storage kind "bit")
CREATE FUNCTION hannoy_bit_hamming_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hannoy_bit_jaccard_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR CLASS bit_hamming_ops FOR TYPE bit USING hannoy AS
	OPERATOR 1 <~> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_bit_hamming_ops_support(internal);
CREATE OPERATOR CLASS bit_jaccard_ops FOR TYPE bit USING hannoy AS
	OPERATOR 1 <%> (bit, bit) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_bit_jaccard_ops_support(internal);

-- concatenation (issue 13)
CREATE FUNCTION vector_concat(vector, vector) RETURNS vector
	AS 'MODULE_PATHNAME', 'hannoy_vector_concat' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR || (LEFTARG = vector, RIGHTARG = vector, FUNCTION = vector_concat);
CREATE FUNCTION halfvec_concat(halfvec, halfvec) RETURNS halfvec
	AS 'MODULE_PATHNAME', 'hannoy_halfvec_concat' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR || (LEFTARG = halfvec, RIGHTARG = halfvec, FUNCTION = halfvec_concat);

----------------------------------------------------------------------
-- sparsevec (issue 13): non-zero elements only, pgvector's text and
-- binary forms
----------------------------------------------------------------------
CREATE TYPE sparsevec;
CREATE FUNCTION sparsevec_in(cstring, oid, integer) RETURNS sparsevec
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_out(sparsevec) RETURNS cstring
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_typmod_in(cstring[]) RETURNS integer
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_typmod_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_recv(internal, oid, integer) RETURNS sparsevec
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_send(sparsevec) RETURNS bytea
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE sparsevec (
	INPUT     = sparsevec_in,
	OUTPUT    = sparsevec_out,
	TYPMOD_IN = sparsevec_typmod_in,
	RECEIVE   = sparsevec_recv,
	SEND      = sparsevec_send,
	STORAGE   = external
);

CREATE FUNCTION l2_distance(sparsevec, sparsevec) RETURNS float8
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_l2_squared_distance(sparsevec, sparsevec) RETURNS float8
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_l2_squared_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION inner_product(sparsevec, sparsevec) RETURNS float8
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_negative_inner_product(sparsevec, sparsevec) RETURNS float8
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_negative_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cosine_distance(sparsevec, sparsevec) RETURNS float8
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l1_distance(sparsevec, sparsevec) RETURNS float8
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_l1_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_norm(sparsevec) RETURNS float8
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_l2_norm' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_normalize(sparsevec) RETURNS sparsevec
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_lt(sparsevec, sparsevec) RETURNS bool
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_le(sparsevec, sparsevec) RETURNS bool
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_eq(sparsevec, sparsevec) RETURNS bool
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_ne(sparsevec, sparsevec) RETURNS bool
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_ge(sparsevec, sparsevec) RETURNS bool
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_gt(sparsevec, sparsevec) RETURNS bool
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_cmp(sparsevec, sparsevec) RETURNS integer
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR <-> (LEFTARG = sparsevec, RIGHTARG = sparsevec,
	FUNCTION = l2_distance, COMMUTATOR = '<->');
CREATE OPERATOR <#> (LEFTARG = sparsevec, RIGHTARG = sparsevec,
	FUNCTION = sparsevec_negative_inner_product, COMMUTATOR = '<#>');
CREATE OPERATOR <=> (LEFTARG = sparsevec, RIGHTARG = sparsevec,
	FUNCTION = cosine_distance, COMMUTATOR = '<=>');
CREATE OPERATOR <+> (LEFTARG = sparsevec, RIGHTARG = sparsevec,
	FUNCTION = l1_distance, COMMUTATOR = '<+>');
CREATE OPERATOR < (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_lt,
	COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR <= (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_le,
	COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR = (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_eq,
	COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR <> (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_ne,
	COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR >= (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_ge,
	COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR > (LEFTARG = sparsevec, RIGHTARG = sparsevec, FUNCTION = sparsevec_gt,
	COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR CLASS sparsevec_ops DEFAULT FOR TYPE sparsevec USING btree AS
	OPERATOR 1 <,
	OPERATOR 2 <=,
	OPERATOR 3 =,
	OPERATOR 4 >=,
	OPERATOR 5 >,
	FUNCTION 1 sparsevec_cmp(sparsevec, sparsevec);

-- typmod coercion and casts (to sparsevec implicit, from it by assignment)
CREATE FUNCTION sparsevec(sparsevec, integer, boolean) RETURNS sparsevec
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_to_sparsevec(vector, integer, boolean) RETURNS sparsevec
	AS 'MODULE_PATHNAME', 'hannoy_vector_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_to_vector(sparsevec, integer, boolean) RETURNS vector
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_to_vector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION halfvec_to_sparsevec(halfvec, integer, boolean) RETURNS sparsevec
	AS 'MODULE_PATHNAME', 'hannoy_halfvec_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sparsevec_to_halfvec(sparsevec, integer, boolean) RETURNS halfvec
	AS 'MODULE_PATHNAME', 'hannoy_sparsevec_to_halfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_sparsevec(integer[], integer, boolean) RETURNS sparsevec
	AS 'MODULE_PATHNAME', 'hannoy_array_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_sparsevec(real[], integer, boolean) RETURNS sparsevec
	AS 'MODULE_PATHNAME', 'hannoy_array_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_sparsevec(double precision[], integer, boolean) RETURNS sparsevec
	AS 'MODULE_PATHNAME', 'hannoy_array_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_sparsevec(numeric[], integer, boolean) RETURNS sparsevec
	AS 'MODULE_PATHNAME', 'hannoy_array_to_sparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (sparsevec AS sparsevec)
	WITH FUNCTION sparsevec(sparsevec, integer, boolean) AS IMPLICIT;
CREATE CAST (vector AS sparsevec)
	WITH FUNCTION vector_to_sparsevec(vector, integer, boolean) AS IMPLICIT;
CREATE CAST (sparsevec AS vector)
	WITH FUNCTION sparsevec_to_vector(sparsevec, integer, boolean) AS ASSIGNMENT;
CREATE CAST (halfvec AS sparsevec)
	WITH FUNCTION halfvec_to_sparsevec(halfvec, integer, boolean) AS IMPLICIT;
CREATE CAST (sparsevec AS halfvec)
	WITH FUNCTION sparsevec_to_halfvec(sparsevec, integer, boolean) AS ASSIGNMENT;
CREATE CAST (integer[] AS sparsevec)
	WITH FUNCTION array_to_sparsevec(integer[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (real[] AS sparsevec)
	WITH FUNCTION array_to_sparsevec(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (double precision[] AS sparsevec)
	WITH FUNCTION array_to_sparsevec(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (numeric[] AS sparsevec)
	WITH FUNCTION array_to_sparsevec(numeric[], integer, boolean) AS ASSIGNMENT;

-- sparsevec opclasses: the non-zero elements stored, each vector its own size
CREATE FUNCTION hannoy_sparsevec_l2_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hannoy_sparsevec_ip_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hannoy_sparsevec_cosine_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hannoy_sparsevec_l1_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OPERATOR CLASS sparsevec_l2_ops DEFAULT FOR TYPE sparsevec USING hannoy AS
	OPERATOR 1 <-> (sparsevec, sparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_sparsevec_l2_ops_support(internal);
CREATE OPERATOR CLASS sparsevec_ip_ops FOR TYPE sparsevec USING hannoy AS
	OPERATOR 1 <#> (sparsevec, sparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_sparsevec_ip_ops_support(internal);
CREATE OPERATOR CLASS sparsevec_cosine_ops FOR TYPE sparsevec USING hannoy AS
	OPERATOR 1 <=> (sparsevec, sparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_sparsevec_cosine_ops_support(internal);
CREATE OPERATOR CLASS sparsevec_l1_ops FOR TYPE sparsevec USING hannoy AS
	OPERATOR 1 <+> (sparsevec, sparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_sparsevec_l1_ops_support(internal);
