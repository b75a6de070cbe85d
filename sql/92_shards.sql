-- Shards on other servers: partitions that are postgres_fdw foreign
-- tables.  Two servers stand for two shard servers: each is a database of
-- this cluster, reached through the Unix socket.  A nearest-rows query on
-- the partitioned table asks every shard for its first k rows, in its own
-- hannoy index's order, concurrently (Async Foreign Scan, LIMIT in the
-- remote query), and sorts those (src/shard_fetch.c).
CREATE EXTENSION postgres_fdw;
CREATE DATABASE hannoy_shard_a;
CREATE DATABASE hannoy_shard_b;
DO $$
BEGIN
	FOR s IN 0 .. 1 LOOP
		EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER postgres_fdw
						OPTIONS (host %L, port %L, dbname %L, async_capable %L)',
					   'shard_' || chr(97 + s), current_setting('unix_socket_directories'),
					   current_setting('port'), 'hannoy_shard_' || chr(97 + s), 'true');
		EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I', 'shard_' || chr(97 + s));
	END LOOP;
END $$;
-- spread points, no ties among distances
CREATE TABLE shard_src (id int PRIMARY KEY, v vector(2));
INSERT INTO shard_src
	SELECT i, ARRAY[10 * sin(i * 0.37), 10 * cos(i * 1.71) + i * 0.01]::vector FROM generate_series(1, 600) i;

-- hannoy_ivf_create places lists on servers; what it needs first
SELECT sqlstate_of($$SELECT hannoy_ivf_create('far', 'shard_src', 'v', 4, servers => '{shard_a}')$$);
CREATE EXTENSION dblink;
SELECT sqlstate_of($$SELECT hannoy_ivf_create('far', 'shard_src', 'v', 4, servers => '{}')$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_create('far', 'shard_src', 'v', 4, servers => '{shard_a,NULL}')$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_create('far', 'shard_src', 'v', 4, servers => '{no_such_server}')$$);
-- a server that does not ship hannoy's operators would send every row here
SELECT sqlstate_of($$SELECT hannoy_ivf_create('far', 'shard_src', 'v', 4, servers => '{shard_a}')$$);
ALTER SERVER shard_a OPTIONS (ADD extensions 'hannoy');
ALTER SERVER shard_b OPTIONS (ADD extensions 'hannoy');
-- hannoy is not installed on the shard yet
SELECT sqlstate_of($$SELECT hannoy_ivf_create('far', 'shard_src', 'v', 4, servers => '{shard_a}')$$);
SELECT dblink_exec('shard_a', 'CREATE EXTENSION hannoy');
SELECT dblink_exec('shard_b', 'CREATE EXTENSION hannoy');
-- nothing was created by the failed calls
SELECT count(*) FROM pg_class WHERE relname LIKE 'far%';

-- an open dblink connection named like a server would take the server's
-- place: refused
SELECT dblink_connect('shard_a', 'shard_b');
SELECT sqlstate_of($$SELECT hannoy_ivf_create('far', 'shard_src', 'v', 4, servers => '{shard_a,shard_b}')$$);
SELECT dblink_disconnect('shard_a');
-- a failure after the shards' tables were made drops them again (here the
-- view's name is taken)
CREATE VIEW clash AS SELECT 1 AS x;
SELECT sqlstate_of($$SELECT hannoy_ivf_create('clash', 'shard_src', 'v', 2, servers => '{shard_a,shard_b}')$$);
SELECT * FROM dblink('shard_a', $$SELECT count(*) FROM pg_class WHERE relname LIKE 'clash%'$$) AS t(n bigint);
SELECT * FROM dblink('shard_b', $$SELECT count(*) FROM pg_class WHERE relname LIKE 'clash%'$$) AS t(n bigint);
DROP VIEW clash;

-- four lists, alternating between the two servers
SELECT hannoy_ivf_create('far', 'shard_src', 'v', 4, servers => '{shard_a,shard_b}');
SELECT c.relname, s.srvname, t.ftoptions
  FROM pg_foreign_table t JOIN pg_class c ON c.oid = t.ftrelid
  JOIN pg_foreign_server s ON s.oid = t.ftserver ORDER BY 1;
INSERT INTO far SELECT * FROM shard_src;
SELECT count(*), sum(rows) FROM hannoy_ivf_list_sizes('far_lists');
-- the rows are on the servers, in tables with a hannoy index
SELECT * FROM dblink('shard_a', $$SELECT count(*), (SELECT count(*) FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'hannoy')
	  FROM public.far_lists_0$$) AS t(rows bigint, indexes bigint);

-- every list's server is asked for its first 5 rows, concurrently
EXPLAIN (COSTS OFF, VERBOSE)
SELECT id FROM far ORDER BY v <-> '[3,4]' LIMIT 5;
-- the same rows, in the same order, as an exact scan of the source
CREATE FUNCTION shard_same_rows(q vector, k int) RETURNS bool LANGUAGE sql AS $$
	SELECT (SELECT array_agg(id) FROM (SELECT id FROM far ORDER BY v <-> q LIMIT k) s) =
		   (SELECT array_agg(id) FROM (SELECT id FROM shard_src ORDER BY v <-> q LIMIT k) s)
$$;
SELECT shard_same_rows(ARRAY[x, y]::vector, k)
  FROM (VALUES (3, 4, 5), (-8, 2, 10), (0, 0, 50), (9, -9, 1)) t(x, y, k);
-- more than fetch_size (100) rows from each shard
SELECT shard_same_rows('[1,1]', 400);

-- routing: the two nearest lists' servers are asked, the others pruned
SET hannoy.ivf_probes = 2;
EXPLAIN (COSTS OFF)
SELECT id FROM far ORDER BY v <-> '[3,4]' LIMIT 5;
-- a prepared statement's generic plan: the LIMIT is a parameter there too
PREPARE far_nearest(vector, int) AS SELECT id FROM far ORDER BY v <-> $1 LIMIT $2;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF, VERBOSE) EXECUTE far_nearest('[3,4]', 3);
EXECUTE far_nearest('[3,4]', 3);
SELECT id FROM far ORDER BY v <-> '[3,4]' LIMIT 3;
RESET plan_cache_mode;
-- a subquery's query vector: pruned when the first row is asked for
CREATE FUNCTION shard_plan(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query LOOP
		IF line NOT LIKE '%Sort Method%' THEN
			RETURN NEXT line;
		END IF;
	END LOOP;
END $$;
SELECT shard_plan($$SELECT id FROM far ORDER BY v <-> (SELECT v FROM shard_src WHERE id = 7) LIMIT 3$$);
RESET hannoy.ivf_probes;

-- what keeps the planner's Merge Append: a condition the shards would have
-- to apply before the LIMIT, an OFFSET, and the setting off
EXPLAIN (COSTS OFF)
SELECT id FROM far WHERE id > 10 ORDER BY v <-> '[3,4]' LIMIT 5;
EXPLAIN (COSTS OFF)
SELECT id FROM far ORDER BY v <-> '[3,4]' LIMIT 5 OFFSET 5;
SET hannoy.concurrent_shards = off;
EXPLAIN (COSTS OFF)
SELECT id FROM far ORDER BY v <-> '[3,4]' LIMIT 5;
RESET hannoy.concurrent_shards;
-- under a subquery that counts, the subquery's LIMIT still goes to the shards
SELECT count(*) FROM (SELECT id FROM far ORDER BY v <-> '[3,4]' LIMIT 7) s;

-- an UPDATE that would move a row to another list: PostgreSQL moves no
-- row out of a foreign partition, so it is refused; within its list, done
SELECT ivf_list, hannoy_ivf_list('far_lists', '[9,9]') AS new_list FROM far_lists WHERE id = 10;
SELECT sqlstate_of($$UPDATE far SET v = '[9,9]' WHERE id = 10$$);
UPDATE far SET v = v + '[0.01,0.01]' WHERE id = 10;
SELECT ivf_list = hannoy_ivf_list('far_lists', v) AS in_its_list, tableoid::regclass FROM far_lists WHERE id = 10;

-- a table with a local partition and a shard: the local partition's scan
-- stops after k rows under the same Append
CREATE TABLE mixed (id int, v vector(2)) PARTITION BY LIST ((id % 2));
CREATE TABLE mixed_local PARTITION OF mixed FOR VALUES IN (0);
SELECT dblink_exec('shard_a', 'CREATE TABLE mixed_remote (id int, v vector(2))');
CREATE FOREIGN TABLE mixed_shard PARTITION OF mixed FOR VALUES IN (1)
	SERVER shard_a OPTIONS (table_name 'mixed_remote');
INSERT INTO mixed SELECT * FROM shard_src;
CREATE INDEX ON mixed_local USING hannoy (v);
SELECT dblink_exec('shard_a', 'CREATE INDEX ON mixed_remote USING hannoy (v)');
EXPLAIN (COSTS OFF)
SELECT id FROM mixed ORDER BY v <-> '[3,4]' LIMIT 5;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM mixed ORDER BY v <-> '[3,4]' LIMIT 20) s) =
	   (SELECT array_agg(id) FROM (SELECT id FROM shard_src ORDER BY v <-> '[3,4]' LIMIT 20) s);

-- a shard under a partition that is itself partitioned: the planner puts
-- every leaf under the top Append, and run-time pruning follows the levels
CREATE TABLE nested (id int, v vector(2)) PARTITION BY LIST ((id % 2));
CREATE TABLE nested_local PARTITION OF nested FOR VALUES IN (0);
CREATE TABLE nested_sub PARTITION OF nested FOR VALUES IN (1) PARTITION BY LIST ((id % 3));
CREATE FOREIGN TABLE nested_sub_shard PARTITION OF nested_sub FOR VALUES IN (0, 1, 2)
	SERVER shard_a OPTIONS (table_name 'mixed_remote');
INSERT INTO nested_local SELECT * FROM shard_src WHERE id % 2 = 0;
CREATE INDEX ON nested_local USING hannoy (v);
EXPLAIN (COSTS OFF)
SELECT id FROM nested ORDER BY v <-> '[3,4]' LIMIT 5;
SELECT (SELECT array_agg(id) FROM (SELECT id FROM nested ORDER BY v <-> '[3,4]' LIMIT 20) s) =
	   (SELECT array_agg(id) FROM (SELECT id FROM shard_src ORDER BY v <-> '[3,4]' LIMIT 20) s);
DROP TABLE nested;

-- a shard that is down: a clear error naming its server
CREATE SERVER shard_down FOREIGN DATA WRAPPER postgres_fdw
	OPTIONS (host '/nonexistent', dbname 'nowhere', extensions 'hannoy', async_capable 'true');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard_down;
CREATE FOREIGN TABLE mixed_down PARTITION OF mixed FOR VALUES IN (2)
	SERVER shard_down OPTIONS (table_name 'mixed_remote');
\set VERBOSITY terse
SELECT id FROM mixed ORDER BY v <-> '[3,4]' LIMIT 5;
\set VERBOSITY default

DROP TABLE mixed;
DROP VIEW far;
DROP TABLE far_lists;
DROP FUNCTION shard_same_rows(vector, int);
DROP FUNCTION shard_plan(text);
DROP TABLE shard_src;
SELECT postgres_fdw_disconnect_all();
DROP USER MAPPING FOR CURRENT_USER SERVER shard_down;
DROP USER MAPPING FOR CURRENT_USER SERVER shard_a;
DROP USER MAPPING FOR CURRENT_USER SERVER shard_b;
DROP SERVER shard_down, shard_a, shard_b;
DROP DATABASE hannoy_shard_a;
DROP DATABASE hannoy_shard_b;
DROP EXTENSION dblink;
DROP EXTENSION postgres_fdw;
