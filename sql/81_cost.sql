-- The planner's choice for a nearest-rows query whose filter is left to the
-- executor (src/cost.c): an iterative scan may go on to every element, and
-- a LIMIT pays the share of that cost the filter implies (k / rows left).
-- A filter keeping 0.5% of the rows goes to a sequential scan and a bounded
-- sort, which is exact; one keeping 10% stays on the index.  Before, a scan
-- cost its first batch whatever the filter, and the 0.5% filter walked the
-- graph.
SELECT setseed(0.5);
CREATE TABLE ft (id int, tag int, v vector(32));
INSERT INTO ft SELECT i, i % 1000, (SELECT array_agg(random()) FROM generate_series(1, 32) WHERE i > 0)::vector
  FROM generate_series(1, 5000) i;
CREATE INDEX ft_v ON ft USING hannoy (v);
ANALYZE ft;
EXPLAIN (COSTS OFF) SELECT id FROM ft WHERE tag < 5 ORDER BY v <-> (SELECT v FROM ft WHERE id = 1) LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM ft WHERE tag < 100 ORDER BY v <-> (SELECT v FROM ft WHERE id = 1) LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM ft ORDER BY v <-> (SELECT v FROM ft WHERE id = 1) LIMIT 5;
-- with iterative scans off a scan returns at most ef_search rows: it costs
-- its first batch only
SET hannoy.iterative_scan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ft WHERE tag < 100 ORDER BY v <-> (SELECT v FROM ft WHERE id = 1) LIMIT 5;
RESET hannoy.iterative_scan;
DROP TABLE ft;
