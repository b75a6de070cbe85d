-- Vectors larger than a page (format version 4): an fp32 vector of more
-- than ~2000 dimensions, or an fp16 one of more than ~4000, goes on from
-- its element item through vector parts, page after page, to a vector
-- item.  Columns of 3072 dimensions (OpenAI text-embedding-3-large) and
-- 16000 (the types' limit) with each storage kind -- fp32, fp16 from a
-- vector column, halfvec; PQ is in 88_pq -- through builds (in memory,
-- past maintenance_work_mem, empty), inserts, exact order, hannoy_verify
-- and VACUUM.
SET enable_seqscan = off;

-- index order against exact order, by distance; with ef_search past the
-- table's size every reachable row is a candidate
CREATE FUNCTION wide_order_is_exact(tbl regclass, col text, op text, qid int) RETURNS bool
LANGUAGE plpgsql AS $$
DECLARE
	q text;
	sql text;
	by_index float8[];
	exact float8[];
BEGIN
	q := format('(SELECT %I FROM %s WHERE id = %s)', col, tbl, qid);
	sql := format('SELECT array_agg(d) FROM (SELECT %I %s %s AS d FROM %s ORDER BY %I %s %s LIMIT 10) s',
				  col, op, q, tbl, col, op, q);
	SET LOCAL hannoy.ef_search = 1000;
	EXECUTE sql INTO by_index;
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE sql INTO exact;
	RETURN by_index = exact AND cardinality(exact) = 10;
END $$;

-- rows that are the first row their own vector finds: all of them when
-- every vector reads back exactly (random data: no two rows are equal)
CREATE FUNCTION wide_self_found(tbl regclass, col text, op text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	SET LOCAL hannoy.ef_search = 1000;
	EXECUTE format('SELECT count(*) FROM %s a WHERE (SELECT b.id FROM %s b ORDER BY b.%I %s a.%I LIMIT 1) = a.id',
				   tbl, tbl, col, op, col) INTO n;
	RETURN n;
END $$;

SELECT setseed(0.86);
CREATE TABLE w3072 (id int, v vector(3072), h halfvec(3072));
INSERT INTO w3072 SELECT i, v, v FROM (
  SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 3072) WHERE i > 0)::vector AS v
    FROM generate_series(1, 60) i) s;
CREATE INDEX w3072_v ON w3072 USING hannoy (v);
CREATE INDEX w3072_v16 ON w3072 USING hannoy (v vector_cosine_fp16_ops);
CREATE INDEX w3072_h ON w3072 USING hannoy (h halfvec_ip_ops);
SELECT indexrelid::regclass, version, storage, dimensions, hannoy_verify(indexrelid)
  FROM pg_index, hannoy_metapage_info(indexrelid) WHERE indrelid = 'w3072'::regclass ORDER BY 1;
-- fp32: 12 kB a vector; elements fill pages one after another (92 pages
-- of data at least)
SELECT pg_relation_size('w3072_v') / 8192 BETWEEN 93 AND 100 AS dense;
SELECT wide_self_found('w3072', 'v', '<->'), wide_self_found('w3072', 'v', '<=>');
SELECT wide_order_is_exact('w3072', 'v', '<->', 7), wide_order_is_exact('w3072', 'v', '<=>', 8),
       wide_order_is_exact('w3072', 'h', '<#>', 9);

-- 16000 dimensions: 64 kB a vector in fp32 (8 pages), 32 kB in fp16
CREATE TABLE w16000 (id int, v vector(16000), h halfvec(16000));
INSERT INTO w16000 SELECT i, v, v FROM (
  SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 16000) WHERE i > 0)::vector AS v
    FROM generate_series(1, 40) i) s;
CREATE INDEX w16000_v ON w16000 USING hannoy (v);
CREATE INDEX w16000_v16 ON w16000 USING hannoy (v vector_ip_fp16_ops);
CREATE INDEX w16000_h ON w16000 USING hannoy (h halfvec_cosine_ops);
SELECT indexrelid::regclass, version, storage, dimensions, hannoy_verify(indexrelid)
  FROM pg_index, hannoy_metapage_info(indexrelid) WHERE indrelid = 'w16000'::regclass ORDER BY 1;
SELECT pg_relation_size('w16000_v') / 8192 BETWEEN 8 * 40 AND 8 * 40 + 2 AS eight_pages_each;
SELECT wide_self_found('w16000', 'v', '<->'), wide_self_found('w16000', 'h', '<=>');
SELECT wide_order_is_exact('w16000', 'v', '<->', 3), wide_order_is_exact('w16000', 'v', '<#>', 4),
       wide_order_is_exact('w16000', 'h', '<=>', 5);

-- inserts after the build write a vector's items from its end
INSERT INTO w16000 SELECT i, v, v FROM (
  SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 16000) WHERE i > 0)::vector AS v
    FROM generate_series(41, 60) i) s;
SELECT indexrelid::regclass, hannoy_verify(indexrelid)
  FROM pg_index WHERE indrelid = 'w16000'::regclass ORDER BY 1;
SELECT wide_self_found('w16000', 'v', '<->'), wide_self_found('w16000', 'h', '<=>');
SELECT wide_order_is_exact('w16000', 'v', '<->', 50), wide_order_is_exact('w16000', 'v', '<#>', 51),
       wide_order_is_exact('w16000', 'h', '<=>', 52);

-- VACUUM removes a deleted element's whole chain: the pages it frees take
-- as many new rows without the index growing
DELETE FROM w16000 WHERE id % 2 = 0;
VACUUM w16000;
SELECT indexrelid::regclass, hannoy_verify(indexrelid)
  FROM pg_index WHERE indrelid = 'w16000'::regclass ORDER BY 1;
CREATE TEMP TABLE sizes AS SELECT indexrelid, pg_relation_size(indexrelid) AS before
  FROM pg_index WHERE indrelid = 'w16000'::regclass;
INSERT INTO w16000 SELECT i, v, v FROM (
  SELECT i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 16000) WHERE i > 0)::vector AS v
    FROM generate_series(61, 80) i) s;
SELECT indexrelid::regclass, pg_relation_size(indexrelid) <= before AS no_growth, hannoy_verify(indexrelid)
  FROM sizes ORDER BY 1;
SELECT wide_self_found('w16000', 'v', '<->'), wide_self_found('w16000', 'h', '<=>');
SELECT wide_order_is_exact('w16000', 'v', '<->', 61), wide_order_is_exact('w16000', 'h', '<=>', 63);

-- a build past maintenance_work_mem (16 vectors of 64 kB in 1 MB), REINDEX
SET maintenance_work_mem = '1MB';
REINDEX INDEX w16000_v;
RESET maintenance_work_mem;
SELECT hannoy_verify('w16000_v'), wide_self_found('w16000', 'v', '<->'),
       wide_order_is_exact('w16000', 'v', '<->', 77);

-- an index built empty takes its first wide vectors by inserts
CREATE TABLE wempty (id int, v vector);
CREATE INDEX wempty_v ON wempty USING hannoy (v);
INSERT INTO wempty SELECT id, v FROM w3072;
SELECT dimensions, hannoy_verify('wempty_v') FROM hannoy_metapage_info('wempty_v');
SELECT wide_self_found('wempty', 'v', '<->'), wide_order_is_exact('wempty', 'v', '<->', 11);

-- Inserted elements whose vectors go elsewhere, with an odd m: an odd
-- number of neighbour slots (m x (2 + level)) once left the item a size
-- the element check refused (XX002 on the next read)
CREATE TABLE wodd (id int, v vector(2100));
CREATE INDEX wodd_v ON wodd USING hannoy (v) WITH (m = 5, ef_construction = 10);
INSERT INTO wodd SELECT i, (SELECT array_agg(sin(i * j)) FROM generate_series(1, 2100) j)::vector
FROM generate_series(1, 40) i;
SELECT hannoy_verify('wodd_v') AS elements;
SELECT wide_self_found('wodd', 'v', '<->');

DROP TABLE w3072, w16000, wempty, wodd;
DROP FUNCTION wide_order_is_exact(regclass, text, text, int);
DROP FUNCTION wide_self_found(regclass, text, text);
