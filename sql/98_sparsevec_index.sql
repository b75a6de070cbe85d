-- Indexes on sparse vectors (issue 13): sparsevec_{l2,ip,cosine,l1}_ops
-- store each vector's non-zero elements, every vector at its own size.
SELECT setseed(0.4);
-- 50 topics of 90 indices each among 100000 dimensions (more than 16
-- bits); a row has 30 consecutive indices of its topic's (a window that
-- slides with the row number), 10 common indices with small values that
-- every row has, and 3 at random
CREATE TABLE sp (id int PRIMARY KEY, v sparsevec(100000));
INSERT INTO sp SELECT i, ('{' || (SELECT string_agg(k || ':' || val, ',') FROM (
    SELECT k, round((CASE WHEN k <= 10 THEN random() * 0.5
                          ELSE 1 + ((k * 7919) % 101) / 100.0 + random() * 0.1 END)::numeric, 3) + 0.001 AS val
      FROM (SELECT DISTINCT (100 + (i % 50) * 1999 + ((i / 50) + g) % 90) AS k FROM generate_series(1, 30) g
            UNION SELECT g FROM generate_series(1, 10) g WHERE i > 0
            UNION SELECT (random() * 99999)::int + 1 FROM generate_series(1, 3) WHERE i > 0) a) b)
    || '}/100000')::sparsevec
  FROM generate_series(1, 2000) i;
CREATE INDEX sp_l2 ON sp USING hannoy (v sparsevec_l2_ops);
CREATE INDEX sp_ip ON sp USING hannoy (v sparsevec_ip_ops);
CREATE INDEX sp_cos ON sp USING hannoy (v sparsevec_cosine_ops);
CREATE INDEX sp_l1 ON sp USING hannoy (v sparsevec_l1_ops) WITH (m = 8);
SELECT dimensions, storage, elements FROM hannoy_metapage_info('sp_l2');
SELECT hannoy_verify('sp_l2'), hannoy_verify('sp_ip'), hannoy_verify('sp_cos'), hannoy_verify('sp_l1');
EXPLAIN (COSTS OFF) SELECT id FROM sp ORDER BY v <-> '{1:1}/100000' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM sp ORDER BY v <=> '{1:1}/100000' LIMIT 5;

-- the 10 nearest of 30 rows' own vectors through each index against an
-- exact sort: how many are no farther than the exact 10th (ties and
-- float4 rounding may order equal rows either way)
CREATE FUNCTION sparse_top10_matches(op text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	n bigint := 0;
	found float8[];
	exact float8[];
	q record;
BEGIN
	FOR q IN SELECT v FROM sp WHERE id % 67 = 1 LOOP
		SET LOCAL enable_seqscan = off;
		EXECUTE format('SELECT array_agg(d) FROM (SELECT v %1$s $1 AS d FROM sp ORDER BY v %1$s $1 LIMIT 10) s', op)
			INTO found USING q.v;
		SET LOCAL enable_indexscan = off;
		SET LOCAL enable_seqscan = on;
		EXECUTE format('SELECT array_agg(d) FROM (SELECT v %1$s $1 AS d FROM sp ORDER BY d LIMIT 10) s', op)
			INTO exact USING q.v;
		RESET enable_indexscan;
		n := n + (SELECT count(*) FROM unnest(found) f(d)
		           WHERE f.d <= exact[10] + 1e-6 * greatest(1, abs(exact[10])));
	END LOOP;
	RETURN n;
END $$;
SET hannoy.ef_search = 200;
-- 300 is every row right (each was at least 291 when written)
SELECT sparse_top10_matches('<->') >= 270 AS l2, sparse_top10_matches('<#>') >= 270 AS ip,
       sparse_top10_matches('<=>') >= 270 AS cosine, sparse_top10_matches('<+>') >= 270 AS l1;
RESET hannoy.ef_search;

-- vectors larger than a page (2500 non-zero elements: 20 kB), rows that
-- repeat others, inserts after the build, a vacuum
INSERT INTO sp SELECT 10000 + i, ('{' || (SELECT string_agg((k * 39 + i)::text || ':' || (1 + (k % 7))::text, ',')
    FROM generate_series(1, 2500) k WHERE i > 0) || '}/100000')::sparsevec FROM generate_series(1, 12) i;
INSERT INTO sp SELECT id + 20000, v FROM sp WHERE id <= 30;
INSERT INTO sp VALUES (30000, '{}/100000');
DELETE FROM sp WHERE (id % 5 = 0 AND id < 2000) OR id IN (10003, 10004);
VACUUM sp;
SELECT hannoy_verify('sp_l2') > 0 AS l2, hannoy_verify('sp_ip') > 0 AS ip, hannoy_verify('sp_cos') > 0 AS cosine,
       hannoy_verify('sp_l1') > 0 AS l1;
-- a large vector finds itself
SELECT id, round((v <-> (SELECT v FROM sp WHERE id = 10005))::numeric, 3) AS d FROM sp
 ORDER BY v <-> (SELECT v FROM sp WHERE id = 10005) LIMIT 1;
SET enable_seqscan = off;
SELECT array_agg(id ORDER BY id) AS with_copies FROM (
  SELECT id FROM sp ORDER BY v <-> (SELECT v FROM sp WHERE id = 7) LIMIT 2) s;
-- the zero vector: found by L2, left out of the cosine index (its distance is NaN)
SELECT id FROM sp ORDER BY v <-> '{}/100000' LIMIT 1;
SELECT count(*) FILTER (WHERE id = 30000) AS zero_in_cosine FROM (SELECT id FROM sp ORDER BY v <=> '{1:1}/100000' LIMIT 5000) s;
RESET enable_seqscan;

-- a build past maintenance_work_mem (with vectors larger than a page) puts
-- the vectors on the pages as it goes
SET maintenance_work_mem = '1MB';
REINDEX INDEX sp_cos;
RESET maintenance_work_mem;
SELECT hannoy_verify('sp_cos') > 0 AS cosine;
SET enable_seqscan = off;
SELECT id FROM sp ORDER BY v <=> (SELECT v FROM sp WHERE id = 10011) LIMIT 1;
RESET enable_seqscan;

-- distances small next to the vectors' norms keep their order through the
-- index (L2 and L1 against a query spread out once: summed in double; in
-- float, (10000,3) and (10000,2) both came out at 0 from {1:10000,2:1},
-- and the later row first)
CREATE TABLE sp_near (id int, v sparsevec(2));
INSERT INTO sp_near VALUES (1, '{1:10000,2:4}/2'), (2, '{1:10000,2:3}/2'), (3, '{1:10000,2:2}/2'),
	(4, '{1:100000000,2:3}/2'), (5, '{1:100000000,2:2}/2');
CREATE INDEX sp_near_l2 ON sp_near USING hannoy (v sparsevec_l2_ops);
CREATE INDEX sp_near_l1 ON sp_near USING hannoy (v sparsevec_l1_ops);
SET enable_seqscan = off;
SELECT array_agg(id) AS l2_order FROM (SELECT id FROM sp_near WHERE id <= 3 ORDER BY v <-> '{1:10000,2:1}/2') s;
SELECT array_agg(id) AS l1_order FROM (SELECT id FROM sp_near WHERE id >= 4 ORDER BY v <+> '{1:100000000,2:1}/2') s;
RESET enable_seqscan;
DROP TABLE sp_near;

-- an index built empty takes its dimensions from the first row
CREATE TABLE sp_empty (v sparsevec);
CREATE INDEX sp_empty_idx ON sp_empty USING hannoy (v);
INSERT INTO sp_empty VALUES ('{3:1,70000:2}/70000'), ('{1:1}/70000');
SELECT dimensions, storage FROM hannoy_metapage_info('sp_empty_idx');
SELECT v FROM sp_empty ORDER BY v <-> '{70000:2}/70000' LIMIT 1;
-- other dimensions than the index's (22000)
\set VERBOSITY sqlstate
INSERT INTO sp_empty VALUES ('{1:1}/5');
SELECT v FROM sp_empty ORDER BY v <-> '{1:1}/5' LIMIT 1;
\set VERBOSITY default
INSERT INTO sp_empty VALUES ('{1:1}/5');

DROP TABLE sp, sp_empty;
DROP FUNCTION sparse_top10_matches(text);
