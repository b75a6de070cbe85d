-- hannoy 0.1.0 -> 0.2.0: product-quantized operator classes, and
-- hannoy_metapage_info shows a PQ index's pq_m and codebooks.
\echo Use "ALTER EXTENSION hannoy UPDATE TO '0.2.0'" to load this file. \quit

CREATE FUNCTION hannoy_vector_l2_pq_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hannoy_vector_ip_pq_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hannoy_vector_cosine_pq_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hannoy_halfvec_l2_pq_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hannoy_halfvec_ip_pq_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION hannoy_halfvec_cosine_pq_ops_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- product-quantized: pq_m bytes a vector on the index's pages
CREATE OPERATOR CLASS vector_l2_pq_ops FOR TYPE vector USING hannoy AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_vector_l2_pq_ops_support(internal);
CREATE OPERATOR CLASS vector_ip_pq_ops FOR TYPE vector USING hannoy AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_vector_ip_pq_ops_support(internal);
CREATE OPERATOR CLASS vector_cosine_pq_ops FOR TYPE vector USING hannoy AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_vector_cosine_pq_ops_support(internal);
CREATE OPERATOR CLASS halfvec_l2_pq_ops FOR TYPE halfvec USING hannoy AS
	OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_halfvec_l2_pq_ops_support(internal);
CREATE OPERATOR CLASS halfvec_ip_pq_ops FOR TYPE halfvec USING hannoy AS
	OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_halfvec_ip_pq_ops_support(internal);
CREATE OPERATOR CLASS halfvec_cosine_pq_ops FOR TYPE halfvec USING hannoy AS
	OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_halfvec_cosine_pq_ops_support(internal);

-- three more columns: pq_m, the first codebook page, the training sample's size
DROP FUNCTION hannoy_metapage_info(regclass);
CREATE FUNCTION hannoy_metapage_info(index regclass,
	OUT magic text, OUT version integer, OUT dimensions integer,
	OUT m integer, OUT ef_construction integer, OUT storage text,
	OUT entry_block bigint, OUT entry_offset integer, OUT entry_level integer,
	OUT max_level integer, OUT elements bigint,
	OUT pq_m integer, OUT codebook_block bigint, OUT trained_on bigint)
	AS 'MODULE_PATHNAME', 'hannoy_metapage_info' LANGUAGE C STRICT PARALLEL SAFE;
REVOKE ALL ON FUNCTION hannoy_metapage_info(regclass) FROM PUBLIC;
