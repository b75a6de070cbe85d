-- Value sets (src/README.filters): per attribute value, the elements that
-- hold it.  A scan whose condition few elements meet checks just those and
-- returns every match in exact order.  hannoy_verify checks that every
-- element is entered under each of its values' keys and every entry names
-- an element holding that key.
SET client_min_messages = warning;
CREATE TABLE vs (id int PRIMARY KEY, v vector(2), tenant int, tags int[], label text,
	day date);

-- built empty: the fewest buckets; then inserts fill them past a page
CREATE INDEX vs_v ON vs USING hannoy (v, tenant, tags, label, day);
SELECT value_sets_block > 0 AS has_value_sets, value_buckets FROM hannoy_metapage_info('vs_v');
INSERT INTO vs SELECT i, ARRAY[i % 61, i % 53]::vector, i % 40,
	ARRAY[i % 7, 100 + i % 11], 'l' || (i % 25), date '2024-01-01' + i % 30
FROM generate_series(1, 4000) i;
UPDATE vs SET tenant = NULL, label = NULL WHERE id % 150 = 0;
SELECT hannoy_verify('vs_v') AS elements;
SELECT pg_relation_size('vs_v') / 8192 > (SELECT count(*) FROM vs) / 60 AS grew;

-- Each condition through the value sets, the walk, and a sequential scan
CREATE FUNCTION check_sets(cond text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	query text := format('SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM vs WHERE %s ORDER BY v <-> ''[30,20]'' LIMIT 5000) s', cond);
	in_order text := format('SELECT array_agg(d) FROM (SELECT v <-> ''[30,20]'' AS d FROM vs WHERE %s ORDER BY v <-> ''[30,20]'' LIMIT 5000) s', cond);
	by_sets int[];
	by_walk int[];
	by_seqscan int[];
	first_batch float8[];
	exact float8[];
	limit_was text := current_setting('hannoy.exact_filter_limit');
BEGIN
	SET LOCAL enable_seqscan = off;
	SET LOCAL enable_bitmapscan = off;
	SET LOCAL hannoy.iterative_scan = relaxed_order;
	EXECUTE query INTO by_sets;
	SET LOCAL hannoy.exact_filter_limit = 0;
	EXECUTE query INTO by_walk;
	PERFORM set_config('hannoy.exact_filter_limit', limit_was, true);
	-- the distances of what a one-element first batch returns, in order
	SET LOCAL hannoy.iterative_scan = off;
	SET LOCAL hannoy.ef_search = 1;
	EXECUTE in_order INTO first_batch;
	SET LOCAL enable_seqscan = on;
	SET LOCAL enable_indexscan = off;
	EXECUTE query INTO by_seqscan;
	EXECUTE in_order INTO exact;
	RETURN format('%s rows, %s, %s',
				  coalesce(cardinality(by_seqscan), 0),
				  CASE WHEN first_batch IS NOT DISTINCT FROM exact THEN 'all at once, in exact order'
					   ELSE 'walked' END,
				  CASE WHEN by_sets IS NOT DISTINCT FROM by_seqscan AND
							by_walk IS NOT DISTINCT FROM by_seqscan THEN 'same rows'
					   ELSE 'DIFFERENT ROWS' END);
END $$;

SELECT cond, check_sets(cond) FROM (VALUES
	('tenant = 7'), ('tenant IN (3, 9, 12)'), ('tenant = 7::int8'), ('tenant IS NULL'),
	('tenant = 4000'), ('tenant = ANY (''{}'')'),
	('tags && ''{3}'''), ('tags && ''{105,106}'''), ('tags @> ''{2,104}'''), ('tags && ''{}'''),
	('label = ''l3'''), ('label IN (''l3'', ''l4'')'), ('label = ''none'''),
	('day = ''2024-01-05'''), ('day = ''2024-01-05''::timestamp'),
	('tenant = 7 AND label = ''l7'''), ('tenant = 7 AND day > ''2024-01-15'''),
	('tenant < 2'),
	-- narrow ranges of integers and dates: their values' sets
	('tenant >= 3 AND tenant < 6'), ('tenant BETWEEN 3::int8 AND 5::int2'),
	('tenant > 5 AND tenant <= 5'), ('tenant > 9223372036854775807::int8 AND tenant < 3'),
	('day >= ''2024-01-05'' AND day < ''2024-01-08'''),
	('day > ''2024-01-05'' AND day <= ''infinity'''),
	('day >= ''2024-01-05''::timestamp AND day < ''2024-01-08'''),
	('tenant > -10000 AND tenant < 10000 AND label = ''l3''')
) AS c(cond);

-- A limit below a condition's rows: it walks
SET hannoy.exact_filter_limit = 50;
SELECT cond, check_sets(cond) FROM (VALUES ('tenant = 7'), ('tenant = 7 AND label = ''l7''')) AS c(cond);
RESET hannoy.exact_filter_limit;

-- The planner prices a scan the value sets answer by its rows
ANALYZE vs;
EXPLAIN (COSTS OFF) SELECT id FROM vs WHERE tenant = 7 ORDER BY v <-> '[30,20]' LIMIT 5;

-- Vacuum removes the entries of deleted elements before their TIDs can
-- be reused; rows inserted after take them
DELETE FROM vs WHERE id % 3 = 0;
VACUUM vs;
SELECT hannoy_verify('vs_v') AS elements;
INSERT INTO vs SELECT i, ARRAY[i % 61, i % 53]::vector, 1000 + i % 5,
	ARRAY[i % 7], 'new' || (i % 3), date '2024-06-01'
FROM generate_series(5001, 6500) i;
SELECT hannoy_verify('vs_v') AS elements;
SELECT cond, check_sets(cond) FROM (VALUES
	('tenant = 7'), ('tenant = 1002'), ('label = ''new1'''), ('tags @> ''{3}'''),
	('day = ''2024-06-01''')
) AS c(cond);

-- A build with many entries chooses more buckets, and writes chains
CREATE INDEX vs_built ON vs USING hannoy (v, tenant, tags, label, day);
SELECT value_buckets > 8 AS more_buckets FROM hannoy_metapage_info('vs_built');
SELECT hannoy_verify('vs_built') AS elements;
DROP INDEX vs_v;
SELECT cond, check_sets(cond) FROM (VALUES ('tenant = 7'), ('tags && ''{105}''')) AS c(cond);

-- One value held by most rows: its bucket chains over many pages
UPDATE vs SET tenant = 5 WHERE id % 10 <> 0;
SELECT hannoy_verify('vs_built') > 4167 AS verified;
REINDEX INDEX vs_built;
SELECT hannoy_verify('vs_built') AS elements;
SELECT cond, check_sets(cond) FROM (VALUES ('tenant = 5'), ('tenant = 10')) AS c(cond);

-- Rows equal in vector and attributes fold into one element, which stays
-- entered once under each key (hannoy_verify: no entry twice)
SELECT hannoy_verify('vs_built') AS before_folding;
INSERT INTO vs SELECT id + 100000, v, tenant, tags, label, day FROM vs WHERE id <= 60;
SELECT hannoy_verify('vs_built') BETWEEN 4167 AND 4167 + 30 AS most_folded;
SELECT cond, check_sets(cond) FROM (VALUES ('tenant = 10'), ('label = ''new1''')) AS c(cond);

-- An index on the vector alone has none
CREATE INDEX vs_plain ON vs USING hannoy (v);
SELECT value_sets_block, value_buckets FROM hannoy_metapage_info('vs_plain');
DROP FUNCTION check_sets;
DROP TABLE vs;
