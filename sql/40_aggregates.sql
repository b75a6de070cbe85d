SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::vector), ('[3,5,7]'), (NULL)) t(v);
SELECT avg(h), sum(h) FROM (VALUES ('[1,2,3]'::halfvec), ('[3,5,7]'), (NULL)) t(h);
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM (SELECT NULL::vector v) t;
SELECT avg(v) IS NULL AS no_rows FROM (SELECT '[1]'::vector v WHERE false) t;
-- grouped
SELECT g, avg(v) FROM (VALUES (1, '[1,1]'::vector), (1, '[3,3]'), (2, '[10,20]')) t(g, v)
 GROUP BY g ORDER BY g;

-- parallel plans use the combine functions; sums stay exact below 2^24
CREATE TABLE aggt AS
  SELECT ('[' || i || ',' || (i % 7) || ']')::vector AS v,
         ('[' || (i % 100) || ',1]')::halfvec AS h
    FROM generate_series(1, 1000) i;
ANALYZE aggt;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v), avg(h) FROM aggt;
SELECT avg(v), sum(v), avg(h) FROM aggt;
RESET ALL;
DROP TABLE aggt;
