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
