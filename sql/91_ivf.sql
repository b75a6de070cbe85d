-- IVF lists (0.3.0): k-means centroids, the catalog of a table's
-- centroids by version, and the lists nearest a vector; who may read and
-- store them.
-- two clear clusters: centroids at their means, in seeded order
SELECT c FROM unnest(hannoy_kmeans(ARRAY['[0,0]', '[0,1]', '[10,10]', '[10,11]', NULL]::vector[], 2)) c
 ORDER BY c;
-- cosine: k-means on unit vectors, unit centroids
SELECT round(vector_norm(c)::numeric, 5) AS norm
  FROM unnest(hannoy_kmeans(ARRAY['[3,0]', '[0,2]', '[5,0.1]', '[0.1,7]']::vector[], 2, 'cosine')) c;
-- more lists than vectors: centroids repeat them
SELECT cardinality(hannoy_kmeans(ARRAY['[1,1]', '[2,2]']::vector[], 3));
SELECT sqlstate_of($$SELECT hannoy_kmeans(ARRAY['[1,1]']::vector[], 0)$$);
SELECT sqlstate_of($$SELECT hannoy_kmeans(ARRAY[NULL]::vector[], 2)$$);
SELECT sqlstate_of($$SELECT hannoy_kmeans(ARRAY['[1,1]', '[1,1,1]']::vector[], 1)$$);
SELECT sqlstate_of($$SELECT hannoy_kmeans(ARRAY['[1,1]']::vector[], 1, 'hamming')$$);

-- a table's centroids, by version; the newest are used
CREATE TABLE ivf_items (id int, v vector(2));
SELECT sqlstate_of($$SELECT hannoy_ivf_list('ivf_items', '[1,1]')$$);
SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[0,0]', '[10,0]', '[0,10]']::vector[]);
SELECT hannoy_ivf_list('ivf_items', '[9,1]'), hannoy_ivf_lists('ivf_items', '[9,1]', 2),
       hannoy_ivf_lists('ivf_items', '[1,8]', 10);
SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[9,1]', '[0,0]']::vector[], 'ip');
SELECT hannoy_ivf_list('ivf_items', '[9,1]'), hannoy_ivf_lists('ivf_items', '[-1,-1]', 2);
-- one call site, many rows: each gets its own nearest list
SELECT x, hannoy_ivf_list('ivf_items', ARRAY[x, 1]::vector)
  FROM (VALUES (-5), (5)) t(x) ORDER BY x;
SELECT sqlstate_of($$SELECT hannoy_ivf_list('ivf_items', '[1,1,1]')$$);
SELECT sqlstate_of($$SELECT * FROM hannoy_ivf_list_sizes('ivf_items')$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_lists('ivf_items', '[1,1]', 0)$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[1,1]', NULL]::vector[])$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[1,1]', '[1,1,1]']::vector[])$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[1,1]']::vector[], 'l1')$$);
SELECT target, version, count(*) FROM hannoy_ivf_centroids GROUP BY 1, 2 ORDER BY 1, 2;

-- centroids are averages of the table's rows: reading them takes SELECT on
-- the table, storing them its ownership; the catalog itself is closed
CREATE ROLE regress_hannoy_ivf;
CREATE TABLE ivf_mine (v vector(2));
ALTER TABLE ivf_mine OWNER TO regress_hannoy_ivf;
SET ROLE regress_hannoy_ivf;
SELECT sqlstate_of($$SELECT * FROM hannoy_ivf_centroids$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_list('ivf_items', '[1,1]')$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[1,1]']::vector[])$$);
RESET ROLE;
GRANT SELECT ON ivf_items TO regress_hannoy_ivf;
SET ROLE regress_hannoy_ivf;
SELECT hannoy_ivf_list('ivf_items', '[1,1]');
SELECT sqlstate_of($$SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[1,1]']::vector[])$$);
SELECT hannoy_ivf_set_centroids('ivf_mine', ARRAY['[1,1]']::vector[]);
SELECT hannoy_ivf_lists('ivf_mine', '[5,5]', 3);
DROP TABLE ivf_mine;
RESET ROLE;
-- dropping a table drops its centroids (its OID may come back)
DROP TABLE ivf_items;
SELECT count(*) FROM hannoy_ivf_centroids;
DROP ROLE regress_hannoy_ivf;

-- routing: with hannoy.ivf_probes = n, ORDER BY distance LIMIT k on a table
-- partitioned by its list column visits the n lists nearest the query
CREATE TABLE routed (id int, list int NOT NULL, v vector(2)) PARTITION BY LIST (list);
SELECT format('CREATE TABLE routed_%s PARTITION OF routed FOR VALUES IN (%s)', l, l)
  FROM generate_series(0, 3) l \gexec
SELECT hannoy_ivf_set_centroids('routed', ARRAY['[0,0]', '[10,0]', '[0,10]', '[10,10]']::vector[]);
INSERT INTO routed SELECT i, hannoy_ivf_list('routed', v), v
  FROM (SELECT i, ARRAY[10 * (i % 2) + (i % 7) * 0.1, 10 * (i / 2 % 2) + (i % 5) * 0.1]::vector AS v
          FROM generate_series(1, 400) i) s;
CREATE INDEX ON routed USING hannoy (v);
CREATE TABLE routed_q (id int, v vector(2));
INSERT INTO routed_q VALUES (1, '[9,9]'), (2, '[0.2,9]');
SELECT hannoy_ivf_probe('routed', '[9,1]'::vector, 1), hannoy_ivf_probe('routed', '[9,1]'::vector, 4),
       hannoy_ivf_probe('routed', '[9,1]'::vector, 5);
SELECT sqlstate_of($$SELECT hannoy_ivf_probe('routed', '[9,1]'::vector, 0)$$);
SET enable_seqscan = off;
SET hannoy.ivf_probes = 1;
-- a constant: pruned when the executor starts
EXPLAIN (COSTS OFF) SELECT id FROM routed ORDER BY v <-> '[9,9]' LIMIT 5;
SELECT count(*), min(list), max(list)
  FROM (SELECT list FROM routed ORDER BY v <-> '[9,9]' LIMIT 50) s;
SET hannoy.ivf_probes = 2;
SELECT count(*), array_agg(DISTINCT list)
  FROM (SELECT list FROM routed ORDER BY v <-> '[9,9]' LIMIT 150) s;
-- a prepared statement's generic plan: pruned per execution
PREPARE nearest(vector) AS SELECT list FROM routed ORDER BY v <-> $1 LIMIT 3;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE nearest('[0.2,9]');
EXECUTE nearest('[0.2,9]');
RESET plan_cache_mode;
-- a subquery's vector: the other lists' scans never run
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT id FROM routed ORDER BY v <-> (SELECT v FROM routed_q WHERE id = 2) LIMIT 3;
-- no routing without LIMIT, with probes of every list, or with 0
EXPLAIN (COSTS OFF) SELECT id FROM routed ORDER BY v <-> '[9,9]';
SET hannoy.ivf_probes = 4;
EXPLAIN (COSTS OFF) SELECT id FROM routed ORDER BY v <-> '[9,9]' LIMIT 5;
SET hannoy.ivf_probes = 0;
SELECT count(*) FROM (SELECT id FROM routed ORDER BY v <-> '[9,9]' LIMIT 400) s;
-- halfvec: routing on a halfvec column (hannoy_ivf_probe takes a halfvec)
CREATE TABLE hrouted (id int, list int NOT NULL, v halfvec(2)) PARTITION BY LIST (list);
SELECT format('CREATE TABLE hrouted_%s PARTITION OF hrouted FOR VALUES IN (%s)', l, l)
  FROM generate_series(0, 3) l \gexec
SELECT hannoy_ivf_set_centroids('hrouted', ARRAY['[0,0]', '[10,0]', '[0,10]', '[10,10]']::vector[]);
INSERT INTO hrouted SELECT id, hannoy_ivf_list('hrouted', v), v FROM routed;
CREATE INDEX ON hrouted USING hannoy (v);
SELECT hannoy_ivf_probe('hrouted', '[9,9]'::halfvec, 1), hannoy_ivf_probe('hrouted', '[1,9]'::halfvec, 2);
SET hannoy.ivf_probes = 1;
EXPLAIN (COSTS OFF) SELECT id FROM hrouted ORDER BY v <-> '[9,9]' LIMIT 5;
SELECT count(*), min(list), max(list)
  FROM (SELECT list FROM hrouted ORDER BY v <-> '[9,9]' LIMIT 50) s;
RESET hannoy.ivf_probes;
RESET enable_seqscan;
DROP TABLE routed, routed_q, hrouted;

-- hannoy_ivf_create: a view with the source's columns over a table
-- partitioned by list, centroids trained on a sample, a hannoy index
CREATE TABLE ivf_source (id int PRIMARY KEY, title text, v vector(2));
INSERT INTO ivf_source SELECT i, 'row ' || i,
  ARRAY[10 * (i % 2) + (i % 7) * 0.1, 10 * (i / 2 % 2) + (i % 5) * 0.1]::vector
  FROM generate_series(1, 400) i;
SELECT hannoy_ivf_create('docs', 'ivf_source', 'v', 4);
SELECT sqlstate_of($$SELECT hannoy_ivf_create('docs2', 'ivf_source', 'nope', 4)$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_create('docs2', 'ivf_source', 'v', 0)$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_create('docs2', 'ivf_source', 'v', 4, 'no_such_ops')$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_create('docs2', 'ivf_mine_missing', 'v', 4)$$);
CREATE TABLE ivf_empty (v vector(2));
SELECT sqlstate_of($$SELECT hannoy_ivf_create('docs2', 'ivf_empty', 'v', 4)$$);
SELECT to_regclass('docs2_lists') IS NULL AS nothing_left_behind;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'docs'::regclass AND attnum > 0 ORDER BY attnum;
-- (the triggers' first argument is the partitioned table's OID)
SELECT tgrelid::regclass, tgname,
       encode(tgargs, 'escape') = 'docs_lists'::regclass::oid::text || '\000v\000public\000' AS args
  FROM pg_trigger WHERE tgrelid IN ('docs'::regclass, 'docs_lists'::regclass) ORDER BY 1, 2;
SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = 'docs_lists'::regclass;
-- INSERT into the view computes each row's list; RETURNING works
INSERT INTO docs SELECT * FROM ivf_source;
INSERT INTO docs VALUES (1000, 'new', '[9.5,9.5]') RETURNING id, title;
SELECT count(*), count(*) FILTER (WHERE ivf_list = hannoy_ivf_list('docs_lists', v)) AS in_their_list
  FROM docs_lists;
SELECT * FROM hannoy_ivf_list_sizes('docs_lists');
DELETE FROM docs_lists WHERE ivf_list = 2;
SELECT * FROM hannoy_ivf_list_sizes('docs_lists') WHERE list = 2;
-- queries on the view are routed
SET enable_seqscan = off;
SET hannoy.ivf_probes = 1;
EXPLAIN (COSTS OFF) SELECT id FROM docs ORDER BY v <-> '[9,9]' LIMIT 5;
SELECT id, title FROM docs ORDER BY v <-> '[9.5,9.5]' LIMIT 1;
-- the farthest rows first: no routing (the nearest lists hold the wrong ones)
EXPLAIN (COSTS OFF) SELECT id FROM docs ORDER BY v <-> '[9,9]' DESC LIMIT 5;
SELECT id, title FROM docs ORDER BY v <-> '[9.5,9.5]' DESC, id LIMIT 1;
RESET hannoy.ivf_probes;
RESET enable_seqscan;
-- an UPDATE of a vector, through the view or the table, moves the row to
-- its new list; one of another column leaves it where it is
SELECT ivf_list AS list_before FROM docs_lists WHERE id = 1000;
UPDATE docs SET v = '[0.05,0.05]' WHERE id = 1000;
UPDATE docs_lists SET v = '[0.2,9.8]' WHERE id = 1;
UPDATE docs SET title = 'renamed' WHERE id = 3;
SELECT id, title, ivf_list = hannoy_ivf_list('docs_lists', v) AS in_its_list, tableoid::regclass
  FROM docs_lists WHERE id IN (1, 3, 1000) ORDER BY id;
SET enable_seqscan = off;
SET hannoy.ivf_probes = 1;
SELECT id FROM docs ORDER BY v <-> '[0.05,0.05]' LIMIT 1;
RESET hannoy.ivf_probes;
RESET enable_seqscan;
-- the triggers find their table whatever the search_path of the role that
-- writes, and hannoy_ivf_create works with hannoy's schema off the path
SET search_path = pg_catalog;
SELECT public.hannoy_ivf_create('public.docs_sp', 'public.ivf_source', 'v', 2);
INSERT INTO public.docs_sp SELECT * FROM public.ivf_source WHERE id <= 20;
UPDATE public.docs_sp SET v = '[9.9,9.9]' WHERE id = 1;
RESET search_path;
SELECT count(*), count(*) FILTER (WHERE ivf_list = hannoy_ivf_list('docs_sp_lists', v)) AS in_their_list
  FROM docs_sp_lists;
DROP VIEW docs_sp;
DROP TABLE docs_sp_lists;
-- docs was made with public on the path; a role writing without it too
SET search_path = pg_catalog;
INSERT INTO public.docs VALUES (1001, 'written off the path', '[0.3,0.3]');
UPDATE public.docs SET v = '[9.7,9.7]' WHERE id = 1001;
RESET search_path;
SELECT id, ivf_list = hannoy_ivf_list('docs_lists', v) AS in_its_list FROM docs_lists WHERE id = 1001;
DELETE FROM docs WHERE id = 1001;
-- re-training into a new table, from the old one's view
SELECT hannoy_ivf_create('docs_v2', 'docs', 'v', 2, 'vector_cosine_ops');
INSERT INTO docs_v2 SELECT * FROM docs;
-- (the view's rows are sampled in random order: which list gets which rows varies)
SELECT count(*) AS lists, sum(rows) FROM hannoy_ivf_list_sizes('docs_v2_lists');
DROP VIEW docs, docs_v2;
DROP TABLE docs_lists, docs_v2_lists, ivf_source, ivf_empty;
SELECT count(*) FROM hannoy_ivf_centroids;
