-- The hannoy access method: small exact cases (the graph search is exact
-- at this size), every opclass, options and settings, errors, NULLs, empty
-- and unlogged tables, REINDEX, CREATE INDEX CONCURRENTLY, vacuum.
SET enable_seqscan = off;

CREATE TABLE t (id int PRIMARY KEY, v vector(3));
INSERT INTO t SELECT i, ARRAY[i % 7 - 3 + i * 0.01, (i * 5) % 11 - 5, (i * 3) % 13 - 6] FROM generate_series(1, 40) i;
INSERT INTO t VALUES (41, NULL), (42, NULL);

-- every vector opclass: index order equals the exact order
CREATE FUNCTION exact_matches(tbl text, opclass text, op text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	by_index int[];
	exact int[];
BEGIN
	EXECUTE format('CREATE INDEX exact_idx ON %I USING hannoy (v %s)', tbl, opclass);
	SET LOCAL enable_seqscan = off;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %I ORDER BY v %s %L LIMIT 10) s', tbl, op, q) INTO by_index;
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %I WHERE v IS NOT NULL ORDER BY v %s %L, id LIMIT 10) s', tbl, op, q) INTO exact;
	EXECUTE 'DROP INDEX exact_idx';
	RETURN opclass || ': ' || CASE WHEN by_index = exact THEN 'exact' ELSE by_index::text || ' vs ' || exact::text END;
END $$;
SELECT exact_matches('t', c, o, '[1,2,3]') FROM (VALUES
	('vector_l2_ops', '<->'), ('vector_ip_ops', '<#>'), ('vector_cosine_ops', '<=>'),
	('vector_l1_ops', '<+>'), ('vector_l2_fp16_ops', '<->'), ('vector_ip_fp16_ops', '<#>'),
	('vector_cosine_fp16_ops', '<=>')) x(c, o);

-- the default opclass is L2; EXPLAIN shows the index for ORDER BY ... LIMIT
CREATE INDEX t_v ON t USING hannoy (v);
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <-> '[1,2,3]' LIMIT 5;
SELECT id, round((v <-> '[1,2,3]')::numeric, 4) AS dist FROM t ORDER BY v <-> '[1,2,3]' LIMIT 5;
-- no index for other orderings or for WHERE on the vector
EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY v <#> '[1,2,3]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM t WHERE v = '[1,2,3]';
-- NULL vectors are not indexed; an index scan never returns them
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> '[0,0,0]' LIMIT 100) s;
-- ORDER BY without LIMIT, and a NULL query, work
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> '[0,0,0]') s;
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> NULL LIMIT 5) s;
-- wrong query dimensions
SELECT sqlstate_of($$SELECT id FROM t ORDER BY v <-> '[1,2]' LIMIT 1$$);
SELECT pg_index_column_has_property('t_v', 1, 'distance_orderable') AS distance_orderable,
       pg_index_column_has_property('t_v', 1, 'orderable') AS orderable,
       pg_index_column_has_property('t_v', 1, 'returnable') AS returnable,
       pg_index_column_has_property('t_v', 1, 'search_nulls') AS search_nulls;
SELECT dimensions, m, ef_construction, storage, entry_level >= 0 AS has_entry, elements
  FROM hannoy_metapage_info('t_v');
SELECT hannoy_verify('t_v');

-- inserts, duplicates (several heap TIDs share an element), deletes and vacuum
INSERT INTO t SELECT 100 + i, '[9,9,9]' FROM generate_series(1, 5) i;
SELECT id FROM t ORDER BY v <-> '[9,9,9]', id LIMIT 5;
-- the five share elements, up to three heap TIDs each: two or more
-- elements (which insert finds which element depends on its random level)
SELECT hannoy_verify('t_v') BETWEEN 42 AND 44 AS shared;
DELETE FROM t WHERE id % 3 = 0;
VACUUM t;
-- 13 of the 40 built elements go, and those of the duplicates' elements
-- that held only deleted rows (102, 105): 27 + 1 to 3 remain
SELECT hannoy_verify('t_v') BETWEEN 28 AND 30 AS after_vacuum;
SELECT count(*) FILTER (WHERE id % 3 = 0) AS deleted_returned, count(*) AS returned
  FROM (SELECT id FROM t ORDER BY v <-> '[1,2,3]' LIMIT 20) s;
SELECT elements = hannoy_verify('t_v') AS counted FROM hannoy_metapage_info('t_v');
INSERT INTO t SELECT 200 + i, ARRAY[i, -i, i * 0.5] FROM generate_series(1, 20) i;
SELECT hannoy_verify('t_v') BETWEEN 48 AND 50 AS after_inserts;
REINDEX INDEX t_v;
SELECT hannoy_verify('t_v');
DROP INDEX t_v;
CREATE INDEX CONCURRENTLY t_v ON t USING hannoy (v vector_l2_ops);
SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v'::regclass;
SELECT id FROM t ORDER BY v <-> '[200,-200,100]' LIMIT 3;

-- halfvec opclasses
CREATE TABLE h (id int, v halfvec(3));
INSERT INTO h SELECT id, v::halfvec FROM t WHERE v IS NOT NULL;
SELECT exact_matches('h', c, o, '[1,2,3]') FROM (VALUES ('halfvec_l2_ops', '<->'), ('halfvec_ip_ops', '<#>'),
	('halfvec_cosine_ops', '<=>'), ('halfvec_l1_ops', '<+>')) x(c, o);
CREATE INDEX h_v ON h USING hannoy (v);
SELECT storage FROM hannoy_metapage_info('h_v');

-- empty table, column without a typmod: the first insert sets the dimensions
CREATE TABLE e (id int, v vector);
CREATE INDEX e_v ON e USING hannoy (v);
SELECT count(*) FROM (SELECT id FROM e ORDER BY v <-> '[1,2]' LIMIT 3) s;
SELECT dimensions FROM hannoy_metapage_info('e_v');
INSERT INTO e VALUES (1, '[1,2]'), (2, '[3,4]'), (3, NULL);
SELECT dimensions FROM hannoy_metapage_info('e_v');
SELECT id FROM e ORDER BY v <-> '[3,3]' LIMIT 3;
SELECT sqlstate_of($$INSERT INTO e VALUES (4, '[1,2,3]')$$);
SELECT sqlstate_of($$CREATE INDEX ON e USING hannoy (v vector_l2_fp16_ops) WHERE id > 100$$);
-- once every vector is gone (deleted and vacuumed), the next one sets them again
DELETE FROM e WHERE id = 1;
VACUUM e;
SELECT dimensions FROM hannoy_metapage_info('e_v');
DELETE FROM e;
SELECT sqlstate_of($$INSERT INTO e VALUES (4, '[1,2,3]')$$);
VACUUM e;
SELECT dimensions, entry_level FROM hannoy_metapage_info('e_v');
INSERT INTO e VALUES (5, '[1,2,3]'), (6, '[2,2,2]');
SELECT dimensions FROM hannoy_metapage_info('e_v');
SELECT id FROM e ORDER BY v <-> '[1,2,3]' LIMIT 3;
SELECT hannoy_verify('e_v');
SELECT sqlstate_of($$INSERT INTO e VALUES (7, '[1,2]')$$);
-- a cosine index leaves out zero vectors (their distance is NaN)
CREATE TABLE z (id int, v vector(2));
INSERT INTO z VALUES (1, '[0,0]'), (2, '[1,0]'), (3, '[0,1]');
CREATE INDEX ON z USING hannoy (v vector_cosine_ops);
SELECT id FROM z ORDER BY v <=> '[1,0.1]' LIMIT 3;

-- unlogged table
CREATE UNLOGGED TABLE u (id int, v vector(2));
INSERT INTO u SELECT i, ARRAY[i, i * 2] FROM generate_series(1, 20) i;
CREATE INDEX u_v ON u USING hannoy (v);
SELECT id FROM u ORDER BY v <-> '[3,6]' LIMIT 3;
SELECT hannoy_verify('u_v');

-- temporary tables: backend-local buffers
CREATE TEMP TABLE tmp_items (id int, v vector(3));
INSERT INTO tmp_items SELECT i, ARRAY[i % 13, i % 7, i % 5] FROM generate_series(1, 2000) i;
CREATE INDEX tmp_items_v ON tmp_items USING hannoy (v);
SELECT hannoy_verify('tmp_items_v');
SELECT v, v <-> '[3,3,3.2]' AS d FROM tmp_items ORDER BY v <-> '[3,3,3.2]' LIMIT 3;
DELETE FROM tmp_items WHERE v = '[3,3,3]';
VACUUM tmp_items;
SELECT hannoy_verify('tmp_items_v');
SELECT v FROM tmp_items ORDER BY v <-> '[3,3,3.2]' LIMIT 1;
DROP TABLE tmp_items;

-- iterative scans keep going past ef_search
CREATE TABLE it (id int, cat int, v vector(2));
INSERT INTO it SELECT i, i % 50, ARRAY[(i * 37) % 101, (i * 53) % 103] FROM generate_series(1, 1000) i;
CREATE INDEX it_v ON it USING hannoy (v);
SET hannoy.ef_search = 10;
-- (what the scans do is tested here, not which plan the planner picks:
-- with a selective filter or no LIMIT it would rather sort a sequential scan)
SET enable_seqscan = off;
-- by default (strict_order) a LIMIT above ef_search gets all its rows, in order
SHOW hannoy.iterative_scan;
SELECT count(*) AS rows, bool_and(d >= prev) AS in_order
  FROM (SELECT d, lag(d, 1, 0.0) OVER () AS prev
          FROM (SELECT v <-> '[50,50]' AS d FROM it ORDER BY v <-> '[50,50]' LIMIT 200) s) x;
SELECT count(*) FROM (SELECT id FROM it WHERE cat = 7 ORDER BY v <-> '[50,50]' LIMIT 10) s;
-- and through a partitioned table's Merge Append, which needs each
-- partition's rows in order
CREATE TABLE itp (id int, v vector(2)) PARTITION BY HASH (id);
CREATE TABLE itp0 PARTITION OF itp FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE itp1 PARTITION OF itp FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE itp2 PARTITION OF itp FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE itp3 PARTITION OF itp FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO itp SELECT id, v FROM it;
CREATE INDEX ON itp USING hannoy (v);
ANALYZE itp;
EXPLAIN (COSTS OFF) SELECT id FROM itp ORDER BY v <-> '[50,50]' LIMIT 200;
SELECT count(*) AS rows, bool_and(d >= prev) AS in_order
  FROM (SELECT d, lag(d, 1, 0.0) OVER () AS prev
          FROM (SELECT v <-> '[50,50]' AS d FROM itp ORDER BY v <-> '[50,50]' LIMIT 200) s) x;
DROP TABLE itp;
-- an iterative scan's memory is capped: a filter nothing passes ends the
-- scan with a NOTICE naming the setting
SET work_mem = '64kB';
SET hannoy.scan_mem_multiplier = 1;
\set VERBOSITY terse
SELECT count(*) FROM (SELECT id FROM it WHERE cat < 0 ORDER BY v <-> '[50,50]' LIMIT 10) s;
\set VERBOSITY default
RESET work_mem;
RESET hannoy.scan_mem_multiplier;
SELECT count(*) FROM (SELECT id FROM it WHERE cat < 0 ORDER BY v <-> '[50,50]' LIMIT 10) s;
-- off: at most ef_search rows, as pgvector's default
SET hannoy.iterative_scan = off;
SELECT count(*) FROM (SELECT id FROM it ORDER BY v <-> '[50,50]' LIMIT 50) s;
SELECT count(*) < 10 AS off_misses FROM (SELECT id FROM it WHERE cat = 7 ORDER BY v <-> '[50,50]' LIMIT 10) s;
SET hannoy.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM it ORDER BY v <-> '[50,50]' LIMIT 50) s;
SELECT count(*) FROM (SELECT id FROM it WHERE cat = 7 ORDER BY v <-> '[50,50]' LIMIT 10) s;
SET hannoy.iterative_scan = strict_order;
SELECT bool_and(d >= prev) AS in_order, count(*) > 0 AS some
  FROM (SELECT d, lag(d, 1, 0.0) OVER () AS prev
          FROM (SELECT v <-> '[50,50]' AS d FROM it ORDER BY v <-> '[50,50]' LIMIT 100) s) x;
SET hannoy.max_scan_tuples = 30;
SELECT count(*) <= 30 * 3 AS capped FROM (SELECT id FROM it ORDER BY v <-> '[50,50]') s;
RESET hannoy.max_scan_tuples;
RESET hannoy.iterative_scan;
RESET hannoy.ef_search;
RESET enable_seqscan;

-- options and settings: bounds are enforced with 22023
SELECT sqlstate_of($$CREATE INDEX ON it USING hannoy (v) WITH (m = 1)$$);
SELECT sqlstate_of($$CREATE INDEX ON it USING hannoy (v) WITH (m = 101)$$);
SELECT sqlstate_of($$CREATE INDEX ON it USING hannoy (v) WITH (ef_construction = 3)$$);
SELECT sqlstate_of($$CREATE INDEX ON it USING hannoy (v) WITH (ef_construction = 1001)$$);
SELECT sqlstate_of($$CREATE INDEX ON it USING hannoy (v) WITH (m = 16, ef_construction = 31)$$);
SELECT sqlstate_of($$CREATE INDEX ON it USING hannoy (v) WITH (nonsense = 1)$$);
SELECT sqlstate_of($$SET hannoy.ef_search = 0$$);
SELECT sqlstate_of($$SET hannoy.ef_search = 1001$$);
SELECT sqlstate_of($$SET hannoy.iterative_scan = sometimes$$);
SELECT sqlstate_of($$SET hannoy.max_scan_tuples = 0$$);
CREATE INDEX it_small ON it USING hannoy (v) WITH (m = 2, ef_construction = 4);
SELECT m, ef_construction FROM hannoy_metapage_info('it_small');
SELECT hannoy_verify('it_small');
DROP INDEX it_small;

-- dimensions: the most a page holds whole, and one more (a vector that
-- spans pages; 86_wide has more)
CREATE TABLE big (v vector(2037), h halfvec(4074));
CREATE INDEX ON big USING hannoy (v);
CREATE INDEX ON big USING hannoy (h);
CREATE INDEX ON big USING hannoy (v vector_l2_fp16_ops);
ALTER TABLE big ADD COLUMN v2 vector(2038), ADD COLUMN h2 halfvec(4075);
CREATE INDEX ON big USING hannoy (v2);
CREATE INDEX ON big USING hannoy (h2);
\set VERBOSITY default
INSERT INTO big (v, h, v2, h2) SELECT array_fill(i, ARRAY[2037]), array_fill(i, ARRAY[4074]),
  array_fill(i, ARRAY[2038]), array_fill(i, ARRAY[4075]) FROM generate_series(1, 5) i;
SELECT count(*) FROM (SELECT 1 FROM big ORDER BY v <-> array_fill(3, ARRAY[2037])::vector LIMIT 5) s;
SELECT array_agg((v2::real[])[1]) FROM (SELECT v2 FROM big ORDER BY v2 <-> array_fill(3, ARRAY[2038])::vector LIMIT 1) s;
SELECT array_agg((h2::real[])[1]) FROM (SELECT h2 FROM big ORDER BY h2 <-> array_fill(4, ARRAY[4075])::halfvec LIMIT 1) s;
-- an fp16 index rejects values a half cannot hold
SELECT sqlstate_of($$INSERT INTO big (v) VALUES (array_fill(70000, ARRAY[2037]))$$);

-- the planner: a sequential scan for a tiny table, the index for a large one
RESET enable_seqscan;
CREATE TABLE tiny (id int, v vector(2));
INSERT INTO tiny VALUES (1, '[1,1]'), (2, '[2,2]');
CREATE INDEX ON tiny USING hannoy (v);
ANALYZE tiny;
EXPLAIN (COSTS OFF) SELECT id FROM tiny ORDER BY v <-> '[1,1]' LIMIT 1;
ANALYZE it;
EXPLAIN (COSTS OFF) SELECT id FROM it ORDER BY v <-> '[1,1]' LIMIT 10;

-- validation of operator classes
SELECT opcname, amvalidate(oid) FROM pg_opclass
 WHERE opcmethod = (SELECT oid FROM pg_am WHERE amname = 'hannoy') ORDER BY opcname;
CREATE OPERATOR CLASS broken_ops FOR TYPE vector USING hannoy AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 vector_norm(vector);
SELECT amvalidate(oid) FROM pg_opclass WHERE opcname = 'broken_ops';
DROP OPERATOR CLASS broken_ops USING hannoy;

-- inspection is superuser-only by default
CREATE ROLE regress_hannoy_user;
GRANT SELECT ON t TO regress_hannoy_user;
SET ROLE regress_hannoy_user;
SELECT sqlstate_of($$SELECT hannoy_verify('t_v')$$);
SELECT id FROM t ORDER BY v <-> '[1,2,3]' LIMIT 1;
RESET ROLE;
DROP OWNED BY regress_hannoy_user;
DROP ROLE regress_hannoy_user;

DROP TABLE t, h, e, z, u, it, big, tiny;
DROP FUNCTION exact_matches(text, text, text, text);

-- a scan without ORDER BY is never planned on a hannoy index (it would
-- return only ef_search rows), even with sequential scans disabled
CREATE TABLE cnt AS SELECT g AS id, ARRAY[g, g % 7, g % 3]::int[]::vector AS v
  FROM generate_series(1, 300) g;
CREATE INDEX cnt_v ON cnt USING hannoy (v);
VACUUM cnt;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM cnt;
SELECT count(*) FROM cnt;
RESET enable_seqscan;
DROP TABLE cnt;
