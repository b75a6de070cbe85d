-- hannoy 0.2.0 -> 0.3.0: IVF lists (issue 11, first part): k-means
-- centroids, a catalog of them per table, and the lists nearest a vector.
\echo Use "ALTER EXTENSION hannoy UPDATE TO '0.3.0'" to load this file. \quit

-- Centroids of the IVF lists of a table, by version (the newest is used).
-- Revoked from PUBLIC: centroids are averages of a table's rows; the
-- functions below read them for roles that may read the table and write
-- them for its owner (ivf.c), directly: no index, a few rows a table.
CREATE TABLE hannoy_ivf_centroids (
	target regclass NOT NULL,
	version int NOT NULL CHECK (version >= 1),
	list int NOT NULL CHECK (list >= 0),
	metric text NOT NULL CHECK (metric IN ('l2', 'ip', 'cosine')),
	centroid real[] NOT NULL
);
REVOKE ALL ON hannoy_ivf_centroids FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('hannoy_ivf_centroids', '');

CREATE FUNCTION hannoy_kmeans(vectors vector[], lists int, metric text DEFAULT 'l2')
	RETURNS vector[]
	AS 'MODULE_PATHNAME', 'hannoy_kmeans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION hannoy_ivf_list(target regclass, v vector) RETURNS int
	AS 'MODULE_PATHNAME', 'hannoy_ivf_list' LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION hannoy_ivf_lists(target regclass, v vector, n int) RETURNS int[]
	AS 'MODULE_PATHNAME', 'hannoy_ivf_lists' LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- The nth nearest list (1: the nearest); NULL past the last.  IVF routing
-- (hannoy.ivf_probes) prunes partitions with these calls.
CREATE FUNCTION hannoy_ivf_probe(target regclass, v vector, nth int) RETURNS int
	AS 'MODULE_PATHNAME', 'hannoy_ivf_probe' LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- The same for a halfvec query, which routing on a halfvec column calls.
-- (Only this one: overloads of the others would make their calls with
-- untyped literals ambiguous; cast a halfvec to vector for them.)
CREATE FUNCTION hannoy_ivf_probe(target regclass, v halfvec, nth int) RETURNS int
	AS 'MODULE_PATHNAME', 'hannoy_ivf_probe' LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- Rows in each list of an IVF table, every list included.
CREATE FUNCTION hannoy_ivf_list_sizes(target regclass, OUT list int, OUT rows bigint)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME', 'hannoy_ivf_list_sizes' LANGUAGE C STABLE STRICT;

-- A new version of target's centroids (list i is centroids[i + 1]); only
-- the table's owner may store them.  Returns the version.
CREATE FUNCTION hannoy_ivf_set_centroids(target regclass, centroids vector[],
										 metric text DEFAULT 'l2') RETURNS int
	AS 'MODULE_PATHNAME', 'hannoy_ivf_set_centroids' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

-- Dropping a table drops its centroids: a later table could get its OID.
CREATE FUNCTION hannoy_ivf_forget_dropped() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	EXECUTE format('DELETE FROM %I.hannoy_ivf_centroids
					 WHERE target::oid IN (SELECT objid FROM pg_event_trigger_dropped_objects()
										   WHERE classid = ''pg_class''::regclass AND objsubid = 0)',
				   (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
					 WHERE e.extname = 'hannoy'));
END $$;
REVOKE ALL ON FUNCTION hannoy_ivf_forget_dropped() FROM PUBLIC;
CREATE EVENT TRIGGER hannoy_ivf_forget_dropped ON sql_drop
	EXECUTE FUNCTION hannoy_ivf_forget_dropped();

-- The row an INSERT into an IVF table's view gives, with its list, into the
-- partitioned table (TG_ARGV: the partitioned table's OID, so that no
-- search_path changes it; the vector column; hannoy's schema).
CREATE FUNCTION hannoy_ivf_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('INSERT INTO %s SELECT ($1).*, %I.hannoy_ivf_list(%s::pg_catalog.oid::pg_catalog.regclass, ($1).%I::%I.vector)',
				   TG_ARGV[0]::pg_catalog.oid::pg_catalog.regclass, TG_ARGV[2], TG_ARGV[0]::pg_catalog.oid,
				   TG_ARGV[1], TG_ARGV[2])
	  USING NEW;
	RETURN NEW;
END $$;

-- A row whose vector an UPDATE changes gets its new list, and PostgreSQL
-- moves it to that list's partition: a BEFORE UPDATE row trigger on the
-- partitioned table (cloned to every partition) may change the partition
-- key of an UPDATE, unlike an INSERT's.  Not out of a foreign partition.
-- TG_ARGV as hannoy_ivf_insert's.
CREATE FUNCTION hannoy_ivf_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	list int;
BEGIN
	EXECUTE format('SELECT %I.hannoy_ivf_list(%s::pg_catalog.oid::pg_catalog.regclass, ($1).%I::%I.vector)',
				   TG_ARGV[2], TG_ARGV[0]::pg_catalog.oid, TG_ARGV[1], TG_ARGV[2])
	  INTO list USING NEW;
	-- PostgreSQL moves no row out of a foreign partition: it would stay on
	-- its server under another list's number
	IF list IS DISTINCT FROM OLD.ivf_list AND
	   (SELECT relkind FROM pg_catalog.pg_class WHERE oid = TG_RELID) = 'f' THEN
		RAISE EXCEPTION 'an UPDATE cannot move a row of % to another list on another server',
			TG_ARGV[0]::pg_catalog.oid::pg_catalog.regclass
		  USING ERRCODE = '0A000', HINT = 'DELETE the row and INSERT it again.';
	END IF;
	NEW.ivf_list := list;
	RETURN NEW;
END $$;

-- Checks that every server may take an IVF table's lists (hannoy_ivf_create
-- with servers): dblink creates the shards' tables, the server is a
-- postgres_fdw server that ships hannoy's operators (extensions 'hannoy'),
-- and hannoy is installed there.
CREATE FUNCTION hannoy_ivf_check_servers(servers name[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	dblink text := (SELECT n.nspname FROM pg_catalog.pg_extension e
					  JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
					 WHERE e.extname = 'dblink');
	server name;
	installed bool;
BEGIN
	IF pg_catalog.cardinality(servers) IS NULL OR pg_catalog.cardinality(servers) = 0
	   OR pg_catalog.array_position(servers, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'servers must name at least one server, and no NULL' USING ERRCODE = '22023';
	END IF;
	IF dblink IS NULL THEN
		RAISE EXCEPTION 'placing lists on other servers needs the dblink extension'
		  USING ERRCODE = '55000',
				HINT = 'CREATE EXTENSION dblink; it creates the lists'' tables on the servers.';
	END IF;
	FOREACH server IN ARRAY servers LOOP
		-- dblink takes an open connection of that name before the server
		EXECUTE format('SELECT $1 = ANY (%I.dblink_get_connections())', dblink) INTO installed USING server;
		IF installed THEN
			RAISE EXCEPTION 'a dblink connection named "%" is open in this session', server
			  USING ERRCODE = '55000',
					HINT = format('Close it first (dblink_disconnect(%L)): the lists'' tables would be made through it.', server);
		END IF;
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_foreign_server s
						 JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
						 JOIN pg_catalog.pg_proc h ON h.oid = w.fdwhandler
						WHERE s.srvname = server AND h.proname = 'postgres_fdw_handler') THEN
			RAISE EXCEPTION 'server "%" is not a postgres_fdw server', server USING ERRCODE = '42704';
		END IF;
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_foreign_server s,
								   pg_catalog.pg_options_to_table(s.srvoptions) o
						WHERE s.srvname = server AND o.option_name = 'extensions'
						  AND 'hannoy' = ANY (pg_catalog.string_to_array(
												pg_catalog.replace(o.option_value, ' ', ''), ','))) THEN
			RAISE EXCEPTION 'server "%" does not ship hannoy''s operators', server
			  USING ERRCODE = '55000',
					HINT = format('ALTER SERVER %I OPTIONS (ADD extensions ''hannoy''): without it every '
								  'row of a list is fetched to order them here.', server);
		END IF;
		EXECUTE format('SELECT installed FROM %I.dblink(%L, %L) AS t(installed bool)', dblink, server,
					   'SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = ''hannoy'')')
		  INTO installed;
		IF NOT installed THEN
			RAISE EXCEPTION 'hannoy is not installed on server "%"', server
			  USING ERRCODE = '55000', HINT = 'Run CREATE EXTENSION hannoy there.';
		END IF;
	END LOOP;
END $$;

-- An IVF table: `target` is a view with source's columns over the table
-- target_lists, partitioned by LIST on ivf_list into `lists` partitions
-- whose centroids are trained on a sample of source's column; a hannoy
-- index with opclass on every partition.  INSERT INTO target computes
-- each row's list.  Returns target_lists, the table the centroids belong to.
-- With servers (postgres_fdw servers), list i is a foreign table on
-- servers[i % n + 1], whose table and index dblink creates there.
CREATE FUNCTION hannoy_ivf_create(target text, source regclass, "column" name, lists int,
								  opclass text DEFAULT 'vector_l2_ops', sample int DEFAULT 10000,
								  servers name[] DEFAULT NULL)
RETURNS regclass LANGUAGE plpgsql AS $$
DECLARE
	hannoy text := (SELECT n.nspname FROM pg_catalog.pg_extension e
					  JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
					 WHERE e.extname = 'hannoy');
	name text[] := pg_catalog.parse_ident(target);
	last int := pg_catalog.cardinality(pg_catalog.parse_ident(target));
	view_name text := (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p), '.' ORDER BY o)
						 FROM unnest(pg_catalog.parse_ident(target)) WITH ORDINALITY u(p, o));
	parts_name text;
	parts regclass;
	metric text;
	cols text;
	pct float8;
	sampled bool;
	version int;
	dblink text;
	server name;
	partition text;
	remote text;
	schema text;		-- target_lists' schema, also the shards' tables'
	columns text;		-- source's columns, as the shards' tables declare them
	made text[] := '{}';	-- server, table: the shards' tables made so far
BEGIN
	IF lists IS NULL OR lists < 1 OR lists > 10000 THEN
		RAISE EXCEPTION 'lists must be between 1 and 10000' USING ERRCODE = '22023';
	END IF;
	IF sample IS NULL OR sample < 1 THEN
		RAISE EXCEPTION 'sample must be at least 1' USING ERRCODE = '22023';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute
				   WHERE attrelid = source AND attname = "column" AND attnum > 0 AND NOT attisdropped) THEN
		RAISE EXCEPTION 'column "%" of relation % does not exist', "column", source USING ERRCODE = '42703';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_am a ON a.oid = c.opcmethod
				   WHERE a.amname = 'hannoy' AND c.opcname = opclass) THEN
		RAISE EXCEPTION 'hannoy has no operator class "%"', opclass USING ERRCODE = '42704';
	END IF;
	IF servers IS NOT NULL THEN
		EXECUTE format('SELECT %I.hannoy_ivf_check_servers($1)', hannoy) USING servers;
		dblink := (SELECT n.nspname FROM pg_catalog.pg_extension e
					 JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
					WHERE e.extname = 'dblink');
	END IF;
	metric := CASE WHEN opclass LIKE '%\_l2\_%' THEN 'l2' WHEN opclass LIKE '%\_ip\_%' THEN 'ip'
				   WHEN opclass LIKE '%\_cosine\_%' THEN 'cosine' END;
	IF metric IS NULL THEN
		RAISE EXCEPTION 'IVF lists need an L2, inner product or cosine operator class, not "%"', opclass
		  USING ERRCODE = '22023';
	END IF;
	name[last] := name[last] || '_lists';
	parts_name := (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p), '.' ORDER BY o)
					 FROM unnest(name) WITH ORDINALITY u(p, o));
	SELECT pg_catalog.string_agg(pg_catalog.quote_ident(attname), ', ' ORDER BY attnum) INTO cols
	  FROM pg_catalog.pg_attribute WHERE attrelid = source AND attnum > 0 AND NOT attisdropped;

	EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS, ivf_list int NOT NULL)
					PARTITION BY LIST (ivf_list)', parts_name, source);
	parts := parts_name::regclass;
	schema := (SELECT nspname FROM pg_catalog.pg_namespace n
				 JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid WHERE c.oid = parts);
	columns := (SELECT pg_catalog.string_agg(format('%I %s%s', attname, pg_catalog.format_type(atttypid, atttypmod),
													CASE WHEN attnotnull THEN ' NOT NULL' ELSE '' END),
											 ', ' ORDER BY attnum)
				  FROM pg_catalog.pg_attribute WHERE attrelid = source AND attnum > 0 AND NOT attisdropped);
	-- the centroids, of a sample: pages at random, about twice the rows
	-- wanted, at most that many
	SELECT CASE WHEN reltuples > 0 THEN least(100, 200.0 * sample / reltuples) ELSE 100 END,
		   relkind IN ('r', 'm', 'p')
	  INTO pct, sampled FROM pg_catalog.pg_class WHERE oid = source;
	-- (a view, such as an IVF table's own, is sampled in random order)
	EXECUTE format('SELECT %1$I.hannoy_ivf_set_centroids($1, %1$I.hannoy_kmeans(array_agg(%2$I::%1$I.vector), $2, $3), $3)
					  FROM (SELECT %2$I FROM %3$s %4$s WHERE %2$I IS NOT NULL %5$s LIMIT %6$s) s',
				   hannoy, "column", source,
				   CASE WHEN sampled THEN format('TABLESAMPLE SYSTEM (%s)', pct) ELSE '' END,
				   CASE WHEN sampled THEN '' ELSE 'ORDER BY random()' END, sample)
	  INTO version USING parts, lists, metric;
	IF version IS NULL THEN
		RAISE EXCEPTION '% has no vectors in column "%" to train the lists on', source, "column"
		  USING ERRCODE = '22023';
	END IF;

	-- the partitions (the shards' tables and indexes, made over dblink,
	-- commit on their servers at once: a failure from here on drops them
	-- again), the index, the view and its triggers
	BEGIN
		FOR i IN 0 .. lists - 1 LOOP
			name[last] := (pg_catalog.parse_ident(target))[last] || '_lists_' || i;
			partition := (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p), '.' ORDER BY o)
							FROM unnest(name) WITH ORDINALITY u(p, o));
			IF servers IS NULL THEN
				EXECUTE format('CREATE TABLE %s PARTITION OF %s FOR VALUES IN (%s)', partition, parts_name, i);
				CONTINUE;
			END IF;
			-- a shard: the table and its index on the server (named as here,
			-- in the schema of the same name), then a foreign table for it
			server := servers[i % pg_catalog.cardinality(servers) + 1];
			remote := format('%I.%I', schema, name[last]);
			-- (one simple query: both statements or neither on the server)
			EXECUTE format('SELECT %I.dblink_exec(%L, %L)', dblink, server,
						   format('CREATE TABLE %s (%s, ivf_list int NOT NULL); CREATE INDEX ON %s USING hannoy (%I %I)',
								  remote, columns, remote, "column", opclass));
			made := made || ARRAY[server, remote];
			EXECUTE format('CREATE FOREIGN TABLE %s PARTITION OF %s FOR VALUES IN (%s) SERVER %I
							OPTIONS (schema_name %L, table_name %L, async_capable %L)',
						   partition, parts_name, i, server, schema, name[last], 'true');
		END LOOP;

		EXECUTE format('CREATE INDEX ON %s USING hannoy (%I %I.%I)', parts_name, "column", hannoy, opclass);
		EXECUTE format('CREATE VIEW %s AS SELECT %s FROM %s', view_name, cols, parts_name);
		EXECUTE format('CREATE TRIGGER hannoy_ivf_insert INSTEAD OF INSERT ON %s FOR EACH ROW
						EXECUTE FUNCTION %I.hannoy_ivf_insert(%L, %L, %L)',
					   view_name, hannoy, parts::oid::text, "column", hannoy);
		EXECUTE format('CREATE TRIGGER hannoy_ivf_update BEFORE UPDATE OF %I ON %s FOR EACH ROW
						WHEN ((OLD.%I OPERATOR(%I.=) NEW.%I) IS NOT TRUE)
						EXECUTE FUNCTION %I.hannoy_ivf_update(%L, %L, %L)',
					   "column", parts_name, "column", hannoy, "column", hannoy, parts::oid::text, "column", hannoy);
	EXCEPTION WHEN OTHERS THEN
		FOR j IN 1 .. coalesce(pg_catalog.array_length(made, 1), 0) / 2 LOOP
			BEGIN
				EXECUTE format('SELECT %I.dblink_exec(%L, %L)', dblink, made[2 * j - 1],
							   format('DROP TABLE IF EXISTS %s', made[2 * j]));
			EXCEPTION WHEN OTHERS THEN
				RAISE WARNING 'could not drop table % on server "%" after the error', made[2 * j], made[2 * j - 1];
			END;
		END LOOP;
		RAISE;
	END;
	RETURN parts;
END $$;

-- Planning a distance operator loads hannoy's library (the planner asks
-- the operator's function for a simplification, through this support
-- function, which offers none).  So the planner hooks of IVF routing and
-- concurrent shards exist for a session's first query too, also on a
-- server whose partitions are all foreign tables: there no hannoy index
-- loads the library before planning.
CREATE FUNCTION hannoy_planner_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'hannoy_planner_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER FUNCTION l2_distance(vector, vector) SUPPORT hannoy_planner_support;
ALTER FUNCTION vector_negative_inner_product(vector, vector) SUPPORT hannoy_planner_support;
ALTER FUNCTION cosine_distance(vector, vector) SUPPORT hannoy_planner_support;
ALTER FUNCTION l1_distance(vector, vector) SUPPORT hannoy_planner_support;
ALTER FUNCTION l2_distance(halfvec, halfvec) SUPPORT hannoy_planner_support;
ALTER FUNCTION halfvec_negative_inner_product(halfvec, halfvec) SUPPORT hannoy_planner_support;
ALTER FUNCTION cosine_distance(halfvec, halfvec) SUPPORT hannoy_planner_support;
ALTER FUNCTION l1_distance(halfvec, halfvec) SUPPORT hannoy_planner_support;
