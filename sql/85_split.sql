-- Split elements (format version 2): a build places elements that do not
-- fit whole in what is left of a page across the page boundary (the first
-- part of the vector in the element item, the rest in a vector item on the
-- next page).  Every vector must still read back exactly: through
-- searches, hannoy_verify, inserts, vacuum and REINDEX.
SET enable_seqscan = off;

-- 700-d fp32 elements with m = 8 are 2.9 kB: two fit a page whole
CREATE TABLE big (id int PRIMARY KEY, v vector(700));
INSERT INTO big SELECT i, (SELECT array_agg(((i * 31 + j * 17) % 101) / 10.0 + i * 0.001)
                           FROM generate_series(1, 700) j)::vector
  FROM generate_series(1, 300) i;
CREATE INDEX big_v ON big USING hannoy (v) WITH (m = 8);
-- denser than whole elements allow: some are split
SELECT pg_relation_size('big_v') / 8192 - 1 < 300 / 2 AS split_elements;
SELECT hannoy_verify('big_v');

-- every row is the nearest neighbour of its own vector (distance 0: its
-- vector read back exactly), and index order is exact order
CREATE FUNCTION self_found(tbl regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	SET LOCAL hannoy.ef_search = 100;
	EXECUTE format('SELECT count(*) FROM %s b WHERE (SELECT b2.id FROM %s b2 ORDER BY b2.v <-> b.v LIMIT 1) = b.id', tbl, tbl) INTO n;
	RETURN n;
END $$;
CREATE FUNCTION index_order_is_exact(tbl regclass, q vector) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE
	by_index float8[];
	exact float8[];
BEGIN
	-- distances, not ids: this data has many ties
	SET LOCAL hannoy.ef_search = 300;
	EXECUTE format('SELECT array_agg(d) FROM (SELECT v <-> %L AS d FROM %s ORDER BY v <-> %L LIMIT 10) s', q, tbl, q) INTO by_index;
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE format('SELECT array_agg(d) FROM (SELECT v <-> %L AS d FROM %s ORDER BY v <-> %L LIMIT 10) s', q, tbl, q) INTO exact;
	RETURN by_index = exact;
END $$;
SELECT self_found('big');
SELECT index_order_is_exact('big', v) FROM big WHERE id IN (1, 150, 299);

-- inserts after the build place whole elements; then vacuum frees split
-- elements' vector items with them
INSERT INTO big SELECT i, (SELECT array_agg(((i * 31 + j * 17) % 101) / 10.0 + i * 0.001)
                           FROM generate_series(1, 700) j)::vector
  FROM generate_series(301, 360) i;
DELETE FROM big WHERE id % 3 = 0;
VACUUM big;
SELECT hannoy_verify('big_v');
SELECT count(*) AS live, self_found('big') FROM big;

-- fp16 storage splits too (1600-d halves: 3.3 kB elements)
CREATE TABLE bigh (id int PRIMARY KEY, v vector(1600));
INSERT INTO bigh SELECT i, (SELECT array_agg(((i * 7 + j * 13) % 53) / 4.0 + i * 0.25)
                            FROM generate_series(1, 1600) j)::vector
  FROM generate_series(1, 60) i;
CREATE INDEX bigh_v ON bigh USING hannoy (v vector_l2_fp16_ops) WITH (m = 8);
SELECT pg_relation_size('bigh_v') / 8192 - 1 < 60 / 2 AS split_elements;
SELECT hannoy_verify('bigh_v'), self_found('bigh');

-- REINDEX lays the pages out again
REINDEX INDEX big_v;
SELECT hannoy_verify('big_v'), self_found('big');

DROP TABLE big, bigh;
DROP FUNCTION self_found(regclass), index_order_is_exact(regclass, vector);
