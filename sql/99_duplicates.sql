-- Many rows with the very same vector.  Three rows share an element; the
-- rest are elements of their own, all at distance 0 from each other, and
-- once there are more of them than a list has places their lists hold
-- only each other.  A build folds the copies it loads before it builds
-- the graph, and an insert folds a copy into any equal element it finds
-- that has room (not only into the nearest, which may be full), so 60
-- copies make 20 elements and every row stays reachable.  Before, 60
-- copies left 37 of 460 rows to a scan from that vector (built) or 423
-- (inserted).
CREATE FUNCTION dup_rows_found(copies int, index_first bool, others int DEFAULT 400) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	from_copy int;
	from_elsewhere int;
	elements bigint;
BEGIN
	CREATE TABLE dups (id int, v vector(3));
	IF index_first THEN
		CREATE INDEX dups_v ON dups USING hannoy (v);
	END IF;
	INSERT INTO dups SELECT i, '[1,0,0]' FROM generate_series(1, copies) i;
	INSERT INTO dups SELECT 10000 + i, ARRAY[sin(i), cos(i * 1.7), sin(i * 0.3)]::vector
	  FROM generate_series(1, others) i;
	IF NOT index_first THEN
		CREATE INDEX dups_v ON dups USING hannoy (v);
	END IF;
	elements := hannoy_verify('dups_v');
	SET LOCAL hannoy.iterative_scan = relaxed_order;
	SET LOCAL hannoy.ef_search = 1000;
	SET LOCAL enable_seqscan = off;
	SELECT count(*) INTO from_copy FROM (SELECT id FROM dups ORDER BY v <-> '[1,0,0]' LIMIT 2000) s
	 WHERE id <= copies OR others <= 400;
	-- from elsewhere: another corner (all rows come back) or, among 12000
	-- rows, a point near the copies (its 2000 nearest hold them all)
	SELECT count(*) INTO from_elsewhere FROM (
		SELECT id FROM dups ORDER BY v <-> (CASE WHEN others <= 400 THEN '[0,1,0]' ELSE '[1,0,0.01]' END)::vector
		 LIMIT 2000) s
	 WHERE id <= copies OR others <= 400;
	DROP TABLE dups;
	-- a build folds the same way every time: 400 + 60 / 3 elements
	RETURN format('%s of %s rows from a copy, %s from elsewhere%s', from_copy,
				  CASE WHEN others <= 400 THEN copies + others ELSE copies END,
				  from_elsewhere, CASE WHEN index_first THEN '' ELSE ', ' || elements || ' elements' END);
END $$;
SELECT dup_rows_found(60, false) AS built;
SELECT dup_rows_found(60, true) AS inserted;
-- a parallel build (10000 rows or more) folds the loaded copies before it
-- builds the graph; before, it folded none and found 34 of 60 copies
SELECT dup_rows_found(60, false, 12000) AS parallel_build;
DROP FUNCTION dup_rows_found(int, bool, int);
