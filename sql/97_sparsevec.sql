-- The sparsevec type (issue 13): pgvector's text form, casts, distances
-- and order.
-- text: 1-based indices in any order, zeros dropped, white space anywhere
SELECT '{1:1.5,3:2}/5'::sparsevec, '{ 3 : 2 , 1:1.5 }/ 5 '::sparsevec, '{}/3'::sparsevec,
	'{2:0,1:-0.0,4:1e-3}/4'::sparsevec, '{1:3.4028235e38,2:-1e-45}/2'::sparsevec;
SELECT '{1:1,1:0}/2'::sparsevec AS zero_twice_is_fine, '{1000000000:1}/1000000000'::sparsevec AS largest;
-- errors: syntax (22P02), out of range (22003), dimensions (22000, 54000),
-- bounds and repeats (22000), too many elements (54000)
\set VERBOSITY sqlstate
SELECT '{1:1}'::sparsevec;
SELECT '[1,2]'::sparsevec;
SELECT '{1:1,}/2'::sparsevec;
SELECT '{1:1 2:2}/2'::sparsevec;
SELECT '{a:1}/2'::sparsevec;
SELECT '{1:x}/2'::sparsevec;
SELECT '{1:1}/2 junk'::sparsevec;
SELECT '{1:1}/x'::sparsevec;
SELECT '{1:NaN}/2'::sparsevec;
SELECT '{1:inf}/2'::sparsevec;
SELECT '{1:1e39}/2'::sparsevec;
SELECT '{}/0'::sparsevec;
SELECT '{}/1000000001'::sparsevec;
SELECT '{}/99999999999999999999'::sparsevec;
SELECT '{3:1}/2'::sparsevec;
SELECT '{0:1}/2'::sparsevec;
SELECT '{-1:1}/2'::sparsevec;
SELECT '{99999999999999999999:1}/2'::sparsevec;
SELECT '{1:1,1:2}/2'::sparsevec;
SELECT ('{' || (SELECT string_agg(i || ':1', ',') FROM generate_series(1, 16001) i) || '}/20000')::sparsevec;
\set VERBOSITY default
SELECT '{1:1,1:2}/2'::sparsevec;
SELECT '{3:1}/2'::sparsevec;
SELECT '{1:1}'::sparsevec;
-- 16000 non-zero elements, and as many zeros as one likes
SELECT l2_norm(('{' || (SELECT string_agg(i || ':1', ',') FROM generate_series(1, 16000) i) || '}/20000')::sparsevec) AS sqrt_16000;
SELECT ('{' || (SELECT string_agg(i || ':0', ',') FROM generate_series(1, 20000) i) || ',7:2}/20000')::sparsevec;

-- typmod
SELECT '{1:1}/3'::sparsevec(3);
\set VERBOSITY sqlstate
SELECT '{1:1}/3'::sparsevec(4);
SELECT '{1:1}/3'::sparsevec(0);
SELECT '{1:1}/3'::sparsevec(1000000001);
CREATE TABLE sparse_typmod (v sparsevec(3));
INSERT INTO sparse_typmod VALUES ('{1:1}/4');
\set VERBOSITY default
INSERT INTO sparse_typmod VALUES ('{1:1}/3');
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'sparse_typmod'::regclass AND attname = 'v';
DROP TABLE sparse_typmod;

-- casts: to sparsevec implicit, from it by assignment or explicitly
SELECT '[1,0,-2.5,0]'::vector::sparsevec, '[0,0.5,0]'::halfvec::sparsevec,
	'{2:3,4:-1}/5'::sparsevec::vector, '{2:3,4:-1}/5'::sparsevec::halfvec,
	ARRAY[0,1,0,2]::sparsevec, ARRAY[0.5,0]::real[]::sparsevec,
	ARRAY[0,1e-3]::float8[]::sparsevec, ARRAY[1.25,0]::numeric[]::sparsevec;
SELECT '[1,0,2]'::vector::sparsevec(3), '{1:1}/3'::sparsevec::vector(3);
\set VERBOSITY sqlstate
SELECT '{1:1}/16001'::sparsevec::vector;
SELECT '{1:70000}/2'::sparsevec::halfvec;
SELECT '[1,0,2]'::vector::sparsevec(4);
SELECT ARRAY[1,NULL]::int[]::sparsevec;
SELECT ARRAY[[1,2]]::int[]::sparsevec;
SELECT l2_norm(('[' || (SELECT string_agg('1', ',') FROM generate_series(1, 16000)) || ']')::vector(16000)::sparsevec) AS fits;
\set VERBOSITY default
SELECT vector_dims(('{1:1}/16000'::sparsevec)::vector) AS dense_dims;
-- a sparse literal assigned to a vector column, a vector compared as sparse
CREATE TABLE sparse_assign (v vector(3), h halfvec(3));
INSERT INTO sparse_assign VALUES ('{1:1,3:2}/3'::sparsevec, '{2:0.5}/3'::sparsevec);
SELECT * FROM sparse_assign;
DROP TABLE sparse_assign;

-- distances equal the dense vectors' (up to float4 rounding)
SELECT setseed(0.5);
CREATE TABLE sparse_pairs AS
  SELECT id, a::sparsevec AS sa, b::sparsevec AS sb, a, b
    FROM (SELECT id,
                 (SELECT array_agg(CASE WHEN random() < 0.7 THEN 0 ELSE round((random() * 4 - 2)::numeric, 2) END)
                    FROM generate_series(1, d) WHERE id > 0)::vector AS a,
                 (SELECT array_agg(CASE WHEN random() < 0.7 THEN 0 ELSE round((random() * 4 - 2)::numeric, 2) END)
                    FROM generate_series(1, d) WHERE id > 0)::vector AS b
            FROM (SELECT id, 1 + id % 40 AS d FROM generate_series(1, 300) id) s) t;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE abs((sa <-> sb) - (a <-> b)) > 1e-5 * greatest(1, a <-> b)) AS l2,
       count(*) FILTER (WHERE abs(sparsevec_l2_squared_distance(sa, sb) - vector_l2_squared_distance(a, b)) > 1e-5 * greatest(1, vector_l2_squared_distance(a, b))) AS l2sq,
       count(*) FILTER (WHERE abs((sa <#> sb) - (a <#> b)) > 1e-5 * greatest(1, abs(a <#> b))) AS ip,
       count(*) FILTER (WHERE abs(inner_product(sa, sb) - inner_product(a, b)) > 1e-5 * greatest(1, abs(inner_product(a, b)))) AS ip2,
       count(*) FILTER (WHERE NOT (sa <=> sb = a <=> b OR abs((sa <=> sb) - (a <=> b)) < 1e-5
                                   OR (sa <=> sb)::text = 'NaN' AND (a <=> b)::text = 'NaN')) AS cos,
       count(*) FILTER (WHERE abs((sa <+> sb) - (a <+> b)) > 1e-5 * greatest(1, a <+> b)) AS l1,
       count(*) FILTER (WHERE abs(l2_norm(sa) - vector_norm(a)) > 1e-6 * greatest(1, vector_norm(a))) AS norm,
       count(*) FILTER (WHERE l2_normalize(sa)::vector <> l2_normalize(a) AND vector_norm(a) > 0) AS normalize,
       count(*) FILTER (WHERE sa::vector <> a OR sa <> a::sparsevec) AS round_trip
  FROM sparse_pairs;
-- the btree order is the dense vectors' order (dimensions: those both have, then fewer first)
SELECT count(*) AS compared,
       count(*) FILTER (WHERE sign(sparsevec_cmp(p.sa, q.sa)) <> sign(vector_cmp(p.a, q.a))) AS disagree
  FROM sparse_pairs p, sparse_pairs q WHERE p.id <= 60 AND q.id <= 60;
SELECT '{}/3'::sparsevec < '{1:1}/3', '{1:-1}/3'::sparsevec < '{}/3', '{3:1}/3'::sparsevec < '{2:1}/3',
	'{1:1}/2'::sparsevec < '{1:1}/3', '{1:1,3:5}/3'::sparsevec > '{1:1}/2', '{2:1}/3'::sparsevec = '{2:1}/3';
CREATE INDEX sparse_btree ON sparse_pairs (sa);
SET enable_seqscan = off;
SELECT count(*) FROM sparse_pairs WHERE sa = (SELECT sa FROM sparse_pairs WHERE id = 17);
RESET enable_seqscan;
DROP TABLE sparse_pairs;

-- different dimensions (22000); zero vectors under cosine: NaN
\set VERBOSITY sqlstate
SELECT '{1:1}/2'::sparsevec <-> '{1:1}/3';
\set VERBOSITY default
SELECT '{1:1}/2'::sparsevec <=> '{1:1}/3';
SELECT '{}/2'::sparsevec <=> '{1:1}/2' AS nan, l2_normalize('{}/2'::sparsevec), l2_normalize('{1:3,2:4}/2'::sparsevec),
	l2_normalize('{1:1e-45,2:1e30}/2'::sparsevec) AS underflow_dropped;
