# Upgrades: install the released 0.1.0, build an index, then walk
# ALTER EXTENSION hannoy UPDATE.  The index built before keeps answering
# (the library builds it; older on-disk formats are 050's), the new objects exist,
# and the upgraded extension has exactly the objects of a fresh install.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $node = hannoy_node('upgrade', no_extension => 1);
$node->safe_psql('postgres', q{
	CREATE EXTENSION hannoy VERSION '0.1.0';
	SELECT setseed(0.3);
	CREATE TABLE items (id int PRIMARY KEY, v vector(8));
	INSERT INTO items SELECT g, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE g > 0)::vector
	  FROM generate_series(1, 2000) g;
	CREATE INDEX items_v ON items USING hannoy (v);
});
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'hannoy'"),
	'0.1.0', 'version 0.1.0 installs');
my $query = q{SET enable_seqscan = off;
	SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> (SELECT v FROM items WHERE id = 7) LIMIT 5) s};
my $before = $node->safe_psql('postgres', $query);
is($node->safe_psql('postgres', "SELECT version, storage FROM hannoy_metapage_info('items_v')"),
	'6|fp32', "0.1.0's hannoy_metapage_info (11 columns) works with this library");
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_opclass WHERE opcname LIKE '%pq_ops'}),
	'0', 'no PQ opclasses before the update');

$node->safe_psql('postgres', 'ALTER EXTENSION hannoy UPDATE');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'hannoy'"),
	'0.4.0', 'ALTER EXTENSION UPDATE reaches 0.4.0');
is($node->safe_psql('postgres', $query), $before, 'the index built before the update gives the same rows');
is($node->safe_psql('postgres', "SELECT hannoy_verify('items_v')"), '2000', 'and verifies');
is($node->safe_psql('postgres', "SELECT storage, pq_m IS NULL FROM hannoy_metapage_info('items_v')"),
	'fp32|t', 'hannoy_metapage_info has the PQ columns');
is($node->safe_psql('postgres', q{
	CREATE INDEX items_pq ON items USING hannoy (v vector_l2_pq_ops);
	SELECT storage || ' ' || pq_m || ' ' || trained_on FROM hannoy_metapage_info('items_pq')}),
	'pq 1 2000', 'a PQ index builds after the update');
is($node->safe_psql('postgres', q{
	SELECT FROM (SELECT hannoy_ivf_set_centroids('items', hannoy_kmeans(array_agg(v), 4)) FROM items) s;
	SELECT count(*) || ' ' || count(DISTINCT hannoy_ivf_list('items', v)) FROM items}),
	'2000 4', '0.3.0: IVF centroids of the table, and every row in one of 4 lists');
is($node->safe_psql('postgres', q{
	ALTER TABLE items ADD COLUMN tenant int;
	UPDATE items SET tenant = id % 5;
	CREATE INDEX items_tenant ON items USING hannoy (v, tenant);
	SET enable_seqscan = off;
	SELECT count(*) || ' ' || bool_and(tenant = 2) FROM (SELECT tenant FROM items WHERE tenant = 2
		ORDER BY v <-> (SELECT v FROM items WHERE id = 7) LIMIT 50) s}),
	'50 true', '0.4.0: an index with an attribute column, and a scan that checks it');
is($node->safe_psql('postgres',
		"SELECT has_function_privilege('public', 'hannoy_metapage_info(regclass)', 'EXECUTE')"),
	'f', 'the recreated hannoy_metapage_info is still not executable by PUBLIC');

# the same objects as a fresh install (today a fresh install walks the same
# scripts; this holds the line once a version gets a script of its own)
my $members = q{SELECT string_agg(pg_describe_object(classid, objid, 0), E'\n' ORDER BY 1)
	FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
	  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'hannoy')};
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION hannoy');
is($node->safe_psql('postgres', $members), $node->safe_psql('fresh', $members),
	'the upgraded extension has the objects of a fresh install');

$node->stop;
done_testing();
