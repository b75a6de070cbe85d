-- Partitioned tables as shards: CREATE INDEX on the parent builds a hannoy
-- index on every partition, and ORDER BY v <-> q LIMIT k on the parent
-- merges the partitions' ordered scans (Merge Append) into the global
-- nearest k, for any k.  Partitions attached (with their own index or
-- without) and detached while indexed.
SET enable_seqscan = off;

-- index order against exact order, by distance (ids would vary on ties)
CREATE FUNCTION parts_order_is_exact(tbl regclass, qid int, k int) RETURNS bool
LANGUAGE plpgsql AS $$
DECLARE
	sql text := format('SELECT array_agg(d) FROM (SELECT v <-> (SELECT v FROM %s WHERE id = %s) AS d FROM %s ORDER BY v <-> (SELECT v FROM %s WHERE id = %s) LIMIT %s) s',
					   tbl, qid, tbl, tbl, qid, k);
	by_index float8[];
	exact float8[];
BEGIN
	SET LOCAL hannoy.ef_search = 200;
	EXECUTE sql INTO by_index;
	SET LOCAL enable_indexscan = off;
	SET LOCAL enable_seqscan = on;
	EXECUTE sql INTO exact;
	RETURN by_index = exact AND cardinality(exact) = k;
END $$;

SELECT setseed(0.89);
CREATE TABLE hp (id int, v vector(8)) PARTITION BY HASH (id);
SELECT format('CREATE TABLE hp_%s PARTITION OF hp FOR VALUES WITH (MODULUS 8, REMAINDER %s)', r, r)
  FROM generate_series(0, 7) r \gexec
INSERT INTO hp SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE i > 0)::vector
  FROM generate_series(1, 4000) i;
CREATE INDEX hp_v ON hp USING hannoy (v) WITH (m = 8);
-- one index per partition, each a hannoy index holding its partition's rows
SELECT count(*) AS partition_indexes, sum(hannoy_verify(i.indexrelid)) AS elements,
       bool_and(am.amname = 'hannoy') AS all_hannoy
  FROM pg_inherits h JOIN pg_index i ON i.indexrelid = h.inhrelid
  JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
 WHERE h.inhparent = 'hp_v'::regclass;
EXPLAIN (COSTS OFF) SELECT id FROM hp ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 5;
SELECT parts_order_is_exact('hp', 17, 10), parts_order_is_exact('hp', 2023, 100),
       parts_order_is_exact('hp', 3999, 1000);

-- a list-partitioned table whose partitions differ in size, one empty
CREATE TABLE lp (id int, cat int, v vector(8)) PARTITION BY LIST (cat);
SELECT format('CREATE TABLE lp_%s PARTITION OF lp FOR VALUES IN (%s)', c, c)
  FROM generate_series(0, 7) c \gexec
INSERT INTO lp SELECT id, CASE WHEN id % 10 < 4 THEN 0 ELSE id % 7 END, v FROM hp;
CREATE INDEX lp_v ON lp USING hannoy (v vector_l2_fp16_ops);
SELECT tableoid::regclass, count(*) FROM lp GROUP BY 1 ORDER BY 1;
SELECT parts_order_is_exact('lp', 17, 10), parts_order_is_exact('lp', 2023, 100);
-- pruning by the partition key leaves one partition's scan
EXPLAIN (COSTS OFF) SELECT id FROM lp WHERE cat = 3 ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 5;
SELECT count(*) FROM (SELECT id FROM lp WHERE cat = 3 ORDER BY v <-> (SELECT v FROM hp WHERE id = 9) LIMIT 2000) s;

-- attach a table that has a matching hannoy index: it becomes the
-- partition's index; one without an index gets one built
CREATE TABLE lp_8 (LIKE lp);
INSERT INTO lp_8 SELECT id + 10000, 8, v + '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' FROM hp WHERE id <= 300;
CREATE INDEX lp_8_v ON lp_8 USING hannoy (v vector_l2_fp16_ops);
ALTER TABLE lp ATTACH PARTITION lp_8 FOR VALUES IN (8);
CREATE TABLE lp_9 (LIKE lp);
INSERT INTO lp_9 SELECT id + 20000, 9, v - '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' FROM hp WHERE id <= 300;
ALTER TABLE lp ATTACH PARTITION lp_9 FOR VALUES IN (9);
SELECT c.relname, i.inhparent::regclass AS parent, hannoy_verify(c.oid)
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'lp_v'::regclass AND c.relname ~ '^lp_[89]' ORDER BY 1;
SELECT parts_order_is_exact('lp', 10005, 10), parts_order_is_exact('lp', 20007, 50);
-- an attached index of another opclass is not taken: a new one is built
CREATE TABLE lp_10 (LIKE lp);
INSERT INTO lp_10 SELECT id + 30000, 10, v FROM hp WHERE id <= 100;
CREATE INDEX lp_10_v_fp32 ON lp_10 USING hannoy (v);
ALTER TABLE lp ATTACH PARTITION lp_10 FOR VALUES IN (10);
SELECT count(*) FILTER (WHERE i.inhparent = 'lp_v'::regclass) AS attached,
       count(*) AS hannoy_indexes
  FROM pg_index x LEFT JOIN pg_inherits i ON i.inhrelid = x.indexrelid
 WHERE x.indrelid = 'lp_10'::regclass;

-- detach: the partition keeps its index, the parent stops finding its rows
ALTER TABLE lp DETACH PARTITION lp_9;
SELECT count(*) FROM (SELECT id FROM lp ORDER BY v <-> (SELECT v FROM lp_9 WHERE id = 20007) LIMIT 5000) s
 WHERE id >= 20000 AND id < 30000;
SELECT id FROM lp_9 ORDER BY v <-> (SELECT v FROM lp_9 WHERE id = 20007) LIMIT 1;
SELECT count(*) FROM pg_index WHERE indrelid = 'lp_9'::regclass;

DROP TABLE hp, lp, lp_9;
DROP FUNCTION parts_order_is_exact(regclass, int, int);
