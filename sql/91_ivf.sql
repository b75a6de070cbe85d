-- IVF lists (0.3.0): k-means centroids, the catalog of a table's
-- centroids by version, and the lists nearest a vector; who may read and
-- store them.
-- two clear clusters: centroids at their means, in seeded order
SELECT c FROM unnest(hannoy_kmeans(ARRAY['[0,0]', '[0,1]', '[10,10]', '[10,11]', NULL]::vector[], 2)) c
 ORDER BY c;
-- cosine: k-means on unit vectors, unit centroids
SELECT round(vector_norm(c)::numeric, 5) AS norm
  FROM unnest(hannoy_kmeans(ARRAY['[3,0]', '[0,2]', '[5,0.1]', '[0.1,7]']::vector[], 2, 'cosine')) c;
-- more lists than vectors: centroids repeat them
SELECT cardinality(hannoy_kmeans(ARRAY['[1,1]', '[2,2]']::vector[], 3));
SELECT sqlstate_of($$SELECT hannoy_kmeans(ARRAY['[1,1]']::vector[], 0)$$);
SELECT sqlstate_of($$SELECT hannoy_kmeans(ARRAY[NULL]::vector[], 2)$$);
SELECT sqlstate_of($$SELECT hannoy_kmeans(ARRAY['[1,1]', '[1,1,1]']::vector[], 1)$$);
SELECT sqlstate_of($$SELECT hannoy_kmeans(ARRAY['[1,1]']::vector[], 1, 'hamming')$$);

-- a table's centroids, by version; the newest are used
CREATE TABLE ivf_items (id int, v vector(2));
SELECT sqlstate_of($$SELECT hannoy_ivf_list('ivf_items', '[1,1]')$$);
SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[0,0]', '[10,0]', '[0,10]']::vector[]);
SELECT hannoy_ivf_list('ivf_items', '[9,1]'), hannoy_ivf_lists('ivf_items', '[9,1]', 2),
       hannoy_ivf_lists('ivf_items', '[1,8]', 10);
SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[9,1]', '[0,0]']::vector[], 'ip');
SELECT hannoy_ivf_list('ivf_items', '[9,1]'), hannoy_ivf_lists('ivf_items', '[-1,-1]', 2);
-- one call site, many rows: each gets its own nearest list
SELECT x, hannoy_ivf_list('ivf_items', ARRAY[x, 1]::vector)
  FROM (VALUES (-5), (5)) t(x) ORDER BY x;
SELECT sqlstate_of($$SELECT hannoy_ivf_list('ivf_items', '[1,1,1]')$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_lists('ivf_items', '[1,1]', 0)$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[1,1]', NULL]::vector[])$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[1,1]', '[1,1,1]']::vector[])$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[1,1]']::vector[], 'l1')$$);
SELECT target, version, count(*) FROM hannoy_ivf_centroids GROUP BY 1, 2 ORDER BY 1, 2;

-- centroids are averages of the table's rows: reading them takes SELECT on
-- the table, storing them its ownership; the catalog itself is closed
CREATE ROLE regress_hannoy_ivf;
CREATE TABLE ivf_mine (v vector(2));
ALTER TABLE ivf_mine OWNER TO regress_hannoy_ivf;
SET ROLE regress_hannoy_ivf;
SELECT sqlstate_of($$SELECT * FROM hannoy_ivf_centroids$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_list('ivf_items', '[1,1]')$$);
SELECT sqlstate_of($$SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[1,1]']::vector[])$$);
RESET ROLE;
GRANT SELECT ON ivf_items TO regress_hannoy_ivf;
SET ROLE regress_hannoy_ivf;
SELECT hannoy_ivf_list('ivf_items', '[1,1]');
SELECT sqlstate_of($$SELECT hannoy_ivf_set_centroids('ivf_items', ARRAY['[1,1]']::vector[])$$);
SELECT hannoy_ivf_set_centroids('ivf_mine', ARRAY['[1,1]']::vector[]);
SELECT hannoy_ivf_lists('ivf_mine', '[5,5]', 3);
DROP TABLE ivf_mine;
RESET ROLE;
-- dropping a table drops its centroids (its OID may come back)
DROP TABLE ivf_items;
SELECT count(*) FROM hannoy_ivf_centroids;
DROP ROLE regress_hannoy_ivf;
