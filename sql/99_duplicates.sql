-- Many rows with the very same vector.  Three rows share an element; the
-- rest are elements of their own, all at distance 0 from each other, and
-- once there are more of them than a list has places their lists hold
-- only each other.  A copy folds into any element found that has room
-- (not only into the nearest, which may be full), so 60 copies make 20
-- elements and every row stays reachable.  Before, 60 copies left 37 of
-- 460 rows to a scan from that vector (built) or 437 (inserted).
CREATE FUNCTION dup_rows_found(copies int, index_first bool) RETURNS text LANGUAGE plpgsql AS $$
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
	  FROM generate_series(1, 400) i;
	IF NOT index_first THEN
		CREATE INDEX dups_v ON dups USING hannoy (v);
	END IF;
	elements := hannoy_verify('dups_v');
	SET LOCAL hannoy.iterative_scan = relaxed_order;
	SET LOCAL hannoy.ef_search = 1000;
	SET LOCAL enable_seqscan = off;
	SELECT count(*) INTO from_copy FROM (SELECT id FROM dups ORDER BY v <-> '[1,0,0]' LIMIT 2000) s;
	SELECT count(*) INTO from_elsewhere FROM (SELECT id FROM dups ORDER BY v <-> '[0,1,0]' LIMIT 2000) s;
	DROP TABLE dups;
	-- a build folds the same way every time: 400 + 60 / 3 elements
	RETURN format('%s of %s rows from a copy, %s from elsewhere%s', from_copy, copies + 400,
				  from_elsewhere, CASE WHEN index_first THEN '' ELSE ', ' || elements || ' elements' END);
END $$;
SELECT dup_rows_found(60, false) AS built;
SELECT dup_rows_found(60, true) AS inserted;
DROP FUNCTION dup_rows_found(int, bool);
