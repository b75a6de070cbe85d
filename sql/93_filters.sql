-- Filters inside the index (issue 12): columns after the vector are
-- attributes; a scan checks its conditions on them (Index Cond) and
-- returns exactly the rows a sequential scan with the same WHERE returns.
SET client_min_messages = warning;
CREATE TABLE items (id int PRIMARY KEY, v vector(3), tenant int, big int8, small int2,
	d date, ts timestamp, tstz timestamptz, u uuid, t text, flag bool,
	tags int[], words text[]);
INSERT INTO items
SELECT i, ARRAY[i % 17, (i * 7) % 13, i % 5]::vector, i % 10, i::int8 * 1000000000, (i % 30)::int2,
	date '2024-01-01' + i % 100, timestamp '2024-01-01' + (i % 50) * interval '1 day',
	timestamptz '2024-01-01 00:00+00' + (i % 40) * interval '1 day',
	md5(i::text)::uuid, 'x' || (i % 7), CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END,
	ARRAY[i % 4, i % 9], ARRAY['w' || (i % 3), 'z' || (i % 5)]
FROM generate_series(1, 1500) i;
UPDATE items SET tenant = NULL, t = NULL, tags = NULL WHERE id % 97 = 0;
UPDATE items SET tags = ARRAY[NULL, 2]::int[] WHERE id % 101 = 0;
CREATE INDEX items_filtered ON items USING hannoy (v vector_l2_ops, tenant, big, small,
	d, ts, tstz, u, t, flag, tags, words);
SELECT hannoy_verify('items_filtered') AS elements;

-- Whether a condition is an index condition, whether the value sets
-- answer it (src/README.filters: then a scan returns every match at once,
-- even with iterative scans off and a candidate list of 1), and whether the index
-- scan returns the same rows as a sequential scan, both through the value
-- sets and walking the graph (hannoy.exact_filter_limit 0).  Iterative
-- scans in relaxed order: every matching row, as strict order leaves out
-- a row found after a farther one.
CREATE FUNCTION check_filter(cond text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	how text := 'filter';
	query text := format('SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM items WHERE %s ORDER BY v <-> ''[3,4,2]'' LIMIT 2000) s', cond);
	by_sets int[];
	by_walk int[];
	first_batch int[];
	by_seqscan int[];
BEGIN
	SET LOCAL enable_seqscan = off;
	SET LOCAL enable_bitmapscan = off;
	SET LOCAL hannoy.iterative_scan = relaxed_order;
	FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM items WHERE %s ORDER BY v <-> ''[3,4,2]'' LIMIT 2000', cond)
	LOOP
		IF line LIKE '%Index Cond%' THEN how := 'index cond'; END IF;
		IF line LIKE '%Seq Scan%' THEN how := 'seq scan'; END IF;
	END LOOP;
	EXECUTE query INTO by_sets;
	SET LOCAL hannoy.exact_filter_limit = 0;
	EXECUTE query INTO by_walk;
	RESET hannoy.exact_filter_limit;
	SET LOCAL hannoy.iterative_scan = off;
	SET LOCAL hannoy.ef_search = 1;
	SET LOCAL hannoy.rerank = 0;
	EXECUTE query INTO first_batch;
	IF cardinality(first_batch) > 1 THEN how := how || ' (value sets)'; END IF;
	SET LOCAL enable_seqscan = on;
	SET LOCAL enable_indexscan = off;
	EXECUTE format('SELECT array_agg(id ORDER BY id) FROM items WHERE %s', cond) INTO by_seqscan;
	RETURN format('%s, %s rows, %s', how, coalesce(cardinality(by_seqscan), 0),
				  CASE WHEN by_sets IS NOT DISTINCT FROM by_seqscan AND
							by_walk IS NOT DISTINCT FROM by_seqscan THEN 'same rows'
					   WHEN by_walk IS NOT DISTINCT FROM by_seqscan THEN 'DIFFERENT ROWS (value sets)'
					   ELSE 'DIFFERENT ROWS (walk)' END);
END $$;

SELECT cond, check_filter(cond) FROM (VALUES
	-- integers, and every cross-type comparison
	('tenant = 3'), ('tenant < 3'), ('tenant <= 3'), ('tenant > 7'), ('tenant >= 7'),
	('3 = tenant'), ('7 < tenant'), ('tenant = 3::int8'), ('tenant = 3::int2'),
	('big = 5000000000'), ('big > 1400'), ('big <= 2::int2'), ('small = 4'),
	('small < 4::int8'), ('small > 28::int4'), ('tenant = 42'),
	-- NULLs
	('tenant IS NULL'), ('tenant IS NOT NULL'), ('tenant = NULL::int'), ('flag IS NULL'),
	('v IS NOT NULL'), ('v IS NULL'),
	-- date, timestamp, timestamptz, with one another
	('d = ''2024-01-05'''), ('d < ''2024-01-10'''), ('d >= ''2024-03-01''::timestamp'),
	('ts > ''2024-02-10'''), ('ts <= ''2024-01-10''::date'), ('tstz > ''2024-02-01 00:00+00'''),
	('tstz < ''2024-01-05''::timestamp'), ('ts = ''2024-01-03''::timestamptz'),
	-- uuid, text, bool
	('u = md5(''5'')::uuid'), ('u < ''10000000-0000-0000-0000-000000000000'''),
	('t = ''x3'''), ('t = ''x3'' COLLATE "C"'), ('flag = (1 = 1)'), ('flag'), ('NOT flag'),
	-- arrays
	('tags && ''{1,2}'''), ('tags @> ''{3}'''), ('tags <@ ''{0,1,2,3}'''), ('tags = ''{1,1}'''),
	('tags && ''{NULL}''::int[]'), ('words && ''{w1}'''), ('words @> ''{w2,z4}'''),
	-- several at once; conditions the index does not hold stay filters
	('tenant = 3 AND d < ''2024-02-01'' AND tags && ''{1}'''),
	('tenant = 3 AND id % 2 = 0'),
	-- IN lists and = ANY (array): index conditions too (a planner hook)
	('tenant IN (1, 2)'), ('tenant = ANY (''{1,2}'')'), ('t IN (''x1'', ''x3'')'),
	('big IN (1000000000, 3000000000)'), ('small = ANY (ARRAY[1, 2]::int8[])'),
	('d = ANY (ARRAY[''2024-01-05''::date, ''2024-02-01''])'),
	('u IN (md5(''7'')::uuid, md5(''8'')::uuid)'), ('tenant IN (NULL, 4)'),
	('tenant = ANY (NULL::int[])'), ('tenant = ANY (''{}'')'), ('tenant <> ALL (''{1,2}'')'),
	('tenant IN (1, 2) AND t IN (''x1'', ''x2'') AND tags && ''{3}''')
) AS c(cond);

-- The conditions in EXPLAIN: the index's, and a filter for the rest
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE tenant = 3 AND words @> '{w1}' AND id % 2 = 0
	ORDER BY v <-> '[3,4,2]' LIMIT 5;

-- A prepared statement with a NULL parameter: no rows
PREPARE by_tenant(int) AS SELECT id FROM items WHERE tenant = $1 ORDER BY v <-> '[3,4,2]' LIMIT 5;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE by_tenant(1);
EXECUTE by_tenant(4);
EXECUTE by_tenant(NULL);
PREPARE by_tenants(int[]) AS SELECT count(*), bool_and(tenant = ANY ($1)) FROM
	(SELECT tenant FROM items WHERE tenant = ANY ($1) ORDER BY v <-> '[3,4,2]' LIMIT 1000) s;
EXPLAIN (COSTS OFF) EXECUTE by_tenants('{1,2}');
EXECUTE by_tenants('{1,2}');
EXECUTE by_tenants('{}');
RESET plan_cache_mode;
RESET enable_seqscan;

-- An IN list costs one walk, not one per value as genericcostestimate
-- counts btree's scans: a walk with 50 values costs no more than one with 2
-- (with hannoy.exact_filter_limit 0: no value sets, which cost the rows
-- they hold, so more for more values)
CREATE FUNCTION scan_cost(cond text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	plan json;
BEGIN
	SET LOCAL enable_seqscan = off;
	SET LOCAL hannoy.exact_filter_limit = 0;
	EXECUTE format('EXPLAIN (FORMAT JSON) SELECT id FROM items WHERE %s ORDER BY v <-> ''[3,4,2]'' LIMIT 10', cond)
		INTO plan;
	RETURN (plan->0->'Plan'->'Plans'->0->>'Startup Cost')::float8;
END $$;
SELECT scan_cost('tenant IN (' || (SELECT string_agg(g::text, ',') FROM generate_series(0, 49) g) || ')')
	<= scan_cost('tenant IN (0, 1)') AS long_list_no_dearer;
DROP FUNCTION scan_cost;

-- Under row-level security, a condition whose operator is not leakproof
-- (date = timestamp) stays a filter after the policy's, as for any index
CREATE ROLE regress_hannoy_reader;
CREATE TABLE secret (id int, v vector(2), d date);
INSERT INTO secret SELECT i, ARRAY[i, 1]::vector, date '2024-01-01' + i % 10 FROM generate_series(1, 50) i;
CREATE INDEX ON secret USING hannoy (v, d);
ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
CREATE POLICY even ON secret FOR SELECT USING (id % 2 = 0);
GRANT SELECT ON secret TO regress_hannoy_reader;
SET ROLE regress_hannoy_reader;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM secret WHERE d = ANY (ARRAY['2024-01-05'::timestamp])
	ORDER BY v <-> '[1,1]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM secret WHERE d = ANY (ARRAY['2024-01-05'::date])
	ORDER BY v <-> '[1,1]' LIMIT 3;
SELECT id FROM secret WHERE d = ANY (ARRAY['2024-01-05'::timestamp]) ORDER BY v <-> '[1,1]' LIMIT 3;
RESET enable_seqscan;
RESET ROLE;
DROP TABLE secret;
DROP ROLE regress_hannoy_reader;

-- Attribute arrays hold the types whose operators their checks cover;
-- a domain over an array is an array
CREATE TABLE odd (v vector(2), j jsonb[], n numeric[]);
CREATE INDEX ON odd USING hannoy (v, j);
CREATE INDEX ON odd USING hannoy (v, n);
CREATE DOMAIN int_list AS int[];
CREATE TABLE listed (id int, v vector(2), l int_list);
INSERT INTO listed SELECT i, ARRAY[i, 2]::vector, ARRAY[i % 3, i % 5] FROM generate_series(1, 60) i;
CREATE INDEX listed_idx ON listed USING hannoy (v, l);
SET enable_seqscan = off;
SELECT count(*) AS rows, bool_and(l && '{4}') AS all_match
FROM (SELECT l FROM listed WHERE l && '{4}' ORDER BY v <-> '[1,1]' LIMIT 100) s;
RESET enable_seqscan;
SELECT count(*) AS exact_rows FROM listed WHERE l && '{4}';
DROP TABLE odd, listed;
DROP DOMAIN int_list;

-- Without ORDER BY the index is never chosen (it returns rows only in
-- distance order): a sequential scan, even disabled
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM items WHERE tenant = 3;
RESET enable_seqscan;

-- Inserts after the build, duplicates with other attributes, and the
-- index built empty
CREATE TABLE late (id int, v vector(2), tenant int, tags text[]);
CREATE INDEX late_idx ON late USING hannoy (v, tenant, tags);
INSERT INTO late SELECT i, '[1,1]', i % 3, ARRAY['t' || i % 2] FROM generate_series(1, 12) i;
INSERT INTO late SELECT i, ARRAY[i, i % 7]::vector, NULL, NULL FROM generate_series(13, 300) i;
-- 288 distinct vectors, and the 12 copies of [1,1] in 6 pairs of equal
-- attributes: a copy folds only into an element with its attributes, and
-- only when the search finds that one first among the equal vectors
SELECT hannoy_verify('late_idx') BETWEEN 288 + 6 AND 300 AS verified;
SET enable_seqscan = off;
SELECT id, tenant, tags FROM late WHERE tenant = 1 AND tags @> '{t0}' ORDER BY v <-> '[1,1]', id LIMIT 10;
SELECT count(*) FROM (SELECT id FROM late WHERE tenant IS NULL ORDER BY v <-> '[1,1]' LIMIT 1000) s;
RESET enable_seqscan;

-- The build folds duplicates only with the same attributes too
CREATE TABLE dups (id int, v vector(2), tenant int);
INSERT INTO dups SELECT i, '[5,5]', i % 2 FROM generate_series(1, 6) i;
INSERT INTO dups SELECT i, ARRAY[i, 1]::vector, 9 FROM generate_series(7, 100) i;
CREATE INDEX dups_idx ON dups USING hannoy (v, tenant);
SET enable_seqscan = off;
SELECT id FROM dups WHERE tenant = 0 ORDER BY v <-> '[5,5]', id LIMIT 5;
SELECT id FROM dups WHERE tenant = 1 ORDER BY v <-> '[5,5]', id LIMIT 5;
RESET enable_seqscan;

-- A build past maintenance_work_mem writes each element with its
-- attributes as it loads them
CREATE TABLE spilled (id int, v vector(64), tenant int, label text);
INSERT INTO spilled SELECT i, (SELECT array_agg(sin(i * j)) FROM generate_series(1, 64) j)::vector,
	i % 7, 'l' || i % 3 FROM generate_series(1, 4000) i;
SET maintenance_work_mem = '1MB';
SET client_min_messages = notice;
CREATE INDEX spilled_idx ON spilled USING hannoy (v, tenant, label);
SET client_min_messages = warning;
RESET maintenance_work_mem;
SELECT hannoy_verify('spilled_idx') AS elements;
SET enable_seqscan = off;
SET hannoy.iterative_scan = relaxed_order;
SELECT count(*) AS rows, bool_and(tenant = 3 AND label = 'l1') AS all_match
FROM (SELECT tenant, label FROM spilled WHERE tenant = 3 AND label = 'l1'
	ORDER BY v <-> (SELECT v FROM spilled WHERE id = 10) LIMIT 5000) s;
RESET enable_seqscan;
RESET hannoy.iterative_scan;
SELECT count(*) AS exact_rows FROM spilled WHERE tenant = 3 AND label = 'l1';

-- A partitioned table: each partition's index checks the conditions
CREATE TABLE parts (id int, v vector(2), tenant int) PARTITION BY RANGE (id);
CREATE TABLE parts_1 PARTITION OF parts FOR VALUES FROM (0) TO (500);
CREATE TABLE parts_2 PARTITION OF parts FOR VALUES FROM (500) TO (1000);
INSERT INTO parts SELECT i, ARRAY[i % 31, i % 17]::vector, i % 5 FROM generate_series(0, 999) i;
CREATE INDEX parts_idx ON parts USING hannoy (v, tenant);
ANALYZE parts;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM parts WHERE tenant = 2 ORDER BY v <-> '[3,3]' LIMIT 5;
SELECT count(*) AS rows, bool_and(tenant = 2) AS all_match
FROM (SELECT tenant FROM parts WHERE tenant = 2 ORDER BY v <-> '[3,3]' LIMIT 1000) s;
RESET enable_seqscan;
DROP TABLE parts;

-- fp16 and product-quantized vectors with attributes
CREATE INDEX items_fp16 ON items USING hannoy (v vector_l2_fp16_ops, tenant);
CREATE INDEX items_pq ON items USING hannoy (v vector_l2_pq_ops, tenant) WITH (pq_m = 3);
DROP INDEX items_filtered;
SELECT cond, check_filter(cond) FROM (VALUES ('tenant = 3'), ('tenant > 8')) AS c(cond);
DROP INDEX items_fp16;
SELECT cond, check_filter(cond) FROM (VALUES ('tenant = 3'), ('tenant > 8')) AS c(cond);

-- Errors: the vector must come first, alone; attribute values have a size limit
CREATE INDEX ON items USING hannoy (tenant, v);
CREATE INDEX ON items USING hannoy (v, v vector_l2_fp16_ops);
CREATE INDEX ON items USING hannoy (v, id) INCLUDE (tenant);
CREATE TABLE wide (v vector(2), t text);
CREATE INDEX wide_idx ON wide USING hannoy (v, t);
INSERT INTO wide VALUES ('[1,2]', repeat('x', 3000));
INSERT INTO wide VALUES ('[1,2]', repeat('x', 1000));
SELECT hannoy_verify('wide_idx') AS elements;

-- Every operator class validates; attribute columns answer search_nulls
SELECT opcname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE a.amname = 'hannoy' AND NOT amvalidate(c.oid);
SELECT pg_index_column_has_property('late_idx', 1, 'search_nulls') AS vector_nulls,
	pg_index_column_has_property('late_idx', 2, 'search_nulls') AS attribute_nulls,
	pg_index_column_has_property('late_idx', 2, 'search_array') AS attribute_arrays,
	pg_index_column_has_property('late_idx', 1, 'distance_orderable') AS vector_orders,
	pg_index_column_has_property('late_idx', 2, 'distance_orderable') AS attribute_orders;

DROP TABLE items, late, dups, wide, spilled;
DROP FUNCTION check_filter;
