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

-- Every opclass reads split vectors whole: the ten nearest by the index
-- are (nearly) the exact ten for each distance.  sp's 700-d fp32
-- elements and sph's 1600-d fp16 ones are all split.
CREATE TABLE sp (id int, v vector(700));
INSERT INTO sp SELECT i, (SELECT array_agg(sin(i * 0.37 + j * 0.011 * (1 + i % 7)) + (i % 5) * 0.1)
                          FROM generate_series(1, 700) j)::vector
  FROM generate_series(1, 200) i;
CREATE TABLE sph (id int, v halfvec(1600));
INSERT INTO sph SELECT i, (SELECT array_agg(sin(i * 0.37 + j * 0.011 * (1 + i % 7)) + (i % 5) * 0.1)
                           FROM generate_series(1, 1600) j)::halfvec
  FROM generate_series(1, 120) i;
CREATE FUNCTION top10_overlap(tbl regclass, opclass text, op text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	worst int := 10;
	n int;
BEGIN
	EXECUTE format('CREATE INDEX split_ix ON %s USING hannoy (v %s) WITH (m = 8)', tbl, opclass);
	SET LOCAL hannoy.ef_search = 200;
	FOR q IN 1..5 LOOP
		EXECUTE format('
			WITH q AS (SELECT v FROM %1$s WHERE id = %3$s * 17),
			     by_index AS (SELECT t.id FROM %1$s t ORDER BY t.v %2$s (SELECT v FROM q) LIMIT 10)
			SELECT count(*) FROM by_index
			 WHERE id IN (SELECT id FROM (SELECT t.id, t.v %2$s (SELECT v FROM q) AS d FROM %1$s t) e
			               ORDER BY d + 0 LIMIT 10)', tbl, op, q) INTO n;
		worst := least(worst, n);
	END LOOP;
	DROP INDEX split_ix;
	RETURN worst;
END $$;
SELECT o.opclass, top10_overlap(o.tbl, o.opclass, o.op) >= 8 AS near_exact
  FROM (VALUES ('sp'::regclass, 'vector_l2_ops', '<->'), ('sp', 'vector_ip_ops', '<#>'),
               ('sp', 'vector_cosine_ops', '<=>'), ('sp', 'vector_l1_ops', '<+>'),
               ('sph', 'halfvec_l2_ops', '<->'), ('sph', 'halfvec_ip_ops', '<#>'),
               ('sph', 'halfvec_cosine_ops', '<=>'), ('sph', 'halfvec_l1_ops', '<+>')) o(tbl, opclass, op);
DROP TABLE sp, sph;
DROP FUNCTION top10_overlap(regclass, text, text);
DROP TABLE big, bigh;
DROP FUNCTION self_found(regclass), index_order_is_exact(regclass, vector);
