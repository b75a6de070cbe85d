-- Product-quantized opclasses: options and errors, exact order when every
-- candidate is re-ranked from the table, empty and tiny tables, inserts,
-- vacuum, and columns of 3072 and 16000 dimensions.
SET enable_seqscan = off;

-- index order against exact order, by distance (ties would make ids vary);
-- with ef_search and rerank at least the table's size every reachable row
-- is a candidate and gets its exact distance
CREATE FUNCTION pq_order_is_exact(tbl regclass, op text, q text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE
	by_index float8[];
	exact float8[];
BEGIN
	SET LOCAL hannoy.ef_search = 1000;
	SET LOCAL hannoy.rerank = 1000;
	EXECUTE format('SELECT array_agg(d) FROM (SELECT v %s %s AS d FROM %s ORDER BY v %s %s LIMIT 10) s',
				   op, q, tbl, op, q) INTO by_index;
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE format('SELECT array_agg(d) FROM (SELECT v %s %s AS d FROM %s ORDER BY v %s %s LIMIT 10) s',
				   op, q, tbl, op, q) INTO exact;
	RETURN by_index = exact;
END $$;

CREATE TABLE pq (id int PRIMARY KEY, v vector(16));
INSERT INTO pq SELECT i, (SELECT array_agg(((i * 37 + j * 11) % 97) / 10.0 + i * 0.0001 * j)
                          FROM generate_series(1, 16) j)::vector
  FROM generate_series(1, 400) i;

-- options and errors
CREATE INDEX ON pq USING hannoy (v vector_l2_pq_ops) WITH (pq_m = -1);
CREATE INDEX ON pq USING hannoy (v vector_l2_pq_ops) WITH (pq_m = 2001);
CREATE INDEX ON pq USING hannoy (v vector_l2_pq_ops) WITH (pq_m = 17);
CREATE INDEX ON pq USING hannoy ((v + v) vector_l2_pq_ops);

CREATE INDEX pq_v ON pq USING hannoy (v vector_l2_pq_ops) WITH (pq_m = 4);
SELECT version, storage, dimensions, pq_m, codebook_block, trained_on, elements
  FROM hannoy_metapage_info('pq_v');
SELECT hannoy_verify('pq_v');
SELECT pq_order_is_exact('pq', '<->', quote_literal(v)) FROM pq WHERE id IN (1, 77, 200);
-- without re-ranking: approximate order, as many rows
SET hannoy.rerank = 0;
SELECT count(*) FROM (SELECT id FROM pq ORDER BY v <-> (SELECT v FROM pq WHERE id = 5) LIMIT 10) s;
RESET hannoy.rerank;
-- a LIMIT past ef_search and rerank: every row, in exact order
SET hannoy.ef_search = 10;
SET hannoy.rerank = 10;
SELECT count(*), bool_and(d >= prev) FROM (
  SELECT d, lag(d, 1, 0::float8) OVER (ORDER BY n) AS prev FROM (
    SELECT row_number() OVER () AS n, v <-> (SELECT v FROM pq WHERE id = 9) AS d
      FROM (SELECT v FROM pq ORDER BY v <-> (SELECT v FROM pq WHERE id = 9) LIMIT 60) a) b) c;
RESET hannoy.ef_search;
RESET hannoy.rerank;
-- the candidate list is at least hannoy.rerank long (default 100): with
-- iterative scans off, ef_search 1 still returns rerank rows
SHOW hannoy.rerank;
SET hannoy.iterative_scan = off;
SET hannoy.ef_search = 1;
SET hannoy.rerank = 20;
SELECT count(*) FROM (SELECT id FROM pq ORDER BY v <-> (SELECT v FROM pq WHERE id = 5) LIMIT 30) s;
SET hannoy.rerank = 0;
SELECT count(*) FROM (SELECT id FROM pq ORDER BY v <-> (SELECT v FROM pq WHERE id = 5) LIMIT 30) s;
RESET hannoy.iterative_scan;
RESET hannoy.ef_search;
RESET hannoy.rerank;

-- inserts and vacuum
INSERT INTO pq SELECT i, (SELECT array_agg(((i * 41 + j * 13) % 89) / 10.0) FROM generate_series(1, 16) j)::vector
  FROM generate_series(401, 500) i;
DELETE FROM pq WHERE id % 3 = 0;
VACUUM pq;
-- rows whose codes are equal share an element: fewer elements than rows
SELECT hannoy_verify('pq_v') BETWEEN 1 AND (SELECT count(*) FROM pq) AS verified;
SET hannoy.ef_search = 1000;
SET hannoy.rerank = 1000;
SELECT count(*) = (SELECT count(*) FROM pq) AS every_row_found
  FROM (SELECT id FROM pq ORDER BY v <-> (SELECT v FROM pq WHERE id = 2) LIMIT 1000) s;
RESET hannoy.ef_search;
RESET hannoy.rerank;
SELECT pq_order_is_exact('pq', '<->', quote_literal(v)) FROM pq WHERE id IN (2, 451);
DROP INDEX pq_v;

-- the other vector opclasses (pq_m automatic: 16 / 8 = 2)
CREATE INDEX pq_ip ON pq USING hannoy (v vector_ip_pq_ops);
SELECT pq_m FROM hannoy_metapage_info('pq_ip');
SELECT pq_order_is_exact('pq', '<#>', quote_literal(v)) FROM pq WHERE id IN (1, 250);
DROP INDEX pq_ip;
CREATE INDEX pq_cos ON pq USING hannoy (v vector_cosine_pq_ops);
SELECT pq_order_is_exact('pq', '<=>', quote_literal(v)) FROM pq WHERE id IN (1, 250);
DROP INDEX pq_cos;

-- halfvec
CREATE TABLE hpq (id int PRIMARY KEY, v halfvec(16));
INSERT INTO hpq SELECT id, v::halfvec FROM pq;
CREATE INDEX hpq_l2 ON hpq USING hannoy (v halfvec_l2_pq_ops);
SELECT storage, pq_m FROM hannoy_metapage_info('hpq_l2');
SELECT pq_order_is_exact('hpq', '<->', quote_literal(v)) FROM hpq WHERE id IN (1, 250);
DROP INDEX hpq_l2;
CREATE INDEX hpq_ip ON hpq USING hannoy (v halfvec_ip_pq_ops);
SELECT pq_order_is_exact('hpq', '<#>', quote_literal(v)) FROM hpq WHERE id IN (1, 250);
DROP INDEX hpq_ip;
CREATE INDEX hpq_cos ON hpq USING hannoy (v halfvec_cosine_pq_ops);
SELECT pq_order_is_exact('hpq', '<=>', quote_literal(v)) FROM hpq WHERE id IN (1, 250);
DROP INDEX hpq_cos;

-- an empty table: the first insert trains the codebooks, alone
CREATE TABLE epq (id int, v vector);
CREATE INDEX epq_v ON epq USING hannoy (v vector_l2_pq_ops);
SELECT dimensions, pq_m, codebook_block IS NULL AS untrained FROM hannoy_metapage_info('epq_v');
SELECT count(*) FROM (SELECT id FROM epq ORDER BY v <-> '[1,2,3]' LIMIT 5) s;
INSERT INTO epq SELECT i, ARRAY[i, i % 7, i % 5, 1, 2, 3, 4, i % 3, 5]::vector FROM generate_series(1, 50) i;
SELECT dimensions, pq_m, trained_on, elements FROM hannoy_metapage_info('epq_v');
SELECT hannoy_verify('epq_v') BETWEEN 17 AND 50 AS verified;
SELECT pq_order_is_exact('epq', '<->', '''[10,3,0,1,2,3,4,1,5]''');
-- emptied by VACUUM: the dimensions and codebooks are forgotten
DELETE FROM epq;
VACUUM epq;
SELECT dimensions, codebook_block IS NULL AS untrained FROM hannoy_metapage_info('epq_v');
INSERT INTO epq VALUES (1, '[1,2,3,4]'), (2, '[4,3,2,1]');
SELECT dimensions, pq_m, trained_on FROM hannoy_metapage_info('epq_v');
SELECT id FROM epq ORDER BY v <-> '[4,3,2,2]' LIMIT 1;

-- a tiny table: fewer vectors than centroids
CREATE TABLE tpq (id int, v vector(4));
INSERT INTO tpq VALUES (1, '[1,0,0,0]'), (2, '[0,1,0,0]'), (3, '[0,0,1,0]');
CREATE INDEX tpq_v ON tpq USING hannoy (v vector_l2_pq_ops) WITH (pq_m = 2);
SELECT trained_on FROM hannoy_metapage_info('tpq_v');
SELECT id FROM tpq ORDER BY v <-> '[0,0.9,0.1,0]' LIMIT 3;

-- past maintenance_work_mem (1MB: ~2 MB of vectors here) the quantizer is
-- trained on what was loaded and the graph goes on with codes
CREATE TABLE mpq (id int, v vector(256));
INSERT INTO mpq SELECT i, (SELECT array_agg(((i * 13 + j * 7) % 53) / 10.0 + i * 0.00001 * j)
                           FROM generate_series(1, 256) j)::vector
  FROM generate_series(1, 2000) i;
SET maintenance_work_mem = '1MB';
CREATE INDEX mpq_v ON mpq USING hannoy (v vector_l2_pq_ops);
RESET maintenance_work_mem;
SELECT trained_on < 2000 AS trained_on_part, hannoy_verify('mpq_v') BETWEEN 1 AND 2000 AS verified
  FROM hannoy_metapage_info('mpq_v');
SET hannoy.ef_search = 1000;
SET hannoy.rerank = 1000;
SELECT count(*) AS found_itself FROM mpq m
 WHERE id % 100 = 0 AND (SELECT id FROM mpq m2 ORDER BY m2.v <-> m.v LIMIT 1) = m.id;
RESET hannoy.ef_search;
RESET hannoy.rerank;

-- 3072 dimensions (OpenAI text-embedding-3-large) and 16000 (the types' limit)
CREATE TABLE wide (id int, v vector(3072));
INSERT INTO wide SELECT i, (SELECT array_agg(((i * 7 + j) % 23) / 10.0) FROM generate_series(1, 3072) j)::vector
  FROM generate_series(1, 30) i;
CREATE INDEX wide_v ON wide USING hannoy (v vector_l2_pq_ops);
SELECT dimensions, pq_m, trained_on FROM hannoy_metapage_info('wide_v');
SELECT pq_order_is_exact('wide', '<->', quote_literal(v)) FROM wide WHERE id = 4;
CREATE TABLE widest (id int, v halfvec(16000));
INSERT INTO widest SELECT i, (SELECT array_agg(((i * 5 + j) % 19) / 10.0) FROM generate_series(1, 16000) j)::halfvec
  FROM generate_series(1, 5) i;
CREATE INDEX widest_v ON widest USING hannoy (v halfvec_l2_pq_ops) WITH (pq_m = 100);
SELECT dimensions, pq_m, trained_on, hannoy_verify('widest_v') FROM hannoy_metapage_info('widest_v');
SELECT pq_order_is_exact('widest', '<->', quote_literal(v)) FROM widest WHERE id = 2;
INSERT INTO widest VALUES (6, (SELECT array_agg(j % 3) FROM generate_series(1, 16000) j)::halfvec);
SELECT id FROM widest ORDER BY v <-> (SELECT v FROM widest WHERE id = 6) LIMIT 1;

DROP TABLE pq, hpq, epq, tpq, mpq, wide, widest;
DROP FUNCTION pq_order_is_exact(regclass, text, text);
