# WAL replay: a streaming standby returns the same top-k as the primary
# after a build, single-row inserts, deletes with VACUUM, and more inserts
# into the freed space; the standby's graph verifies.  Then the same for
# product-quantized indexes: codebook pages written by a build and by the
# first insert into an index built empty; and for vectors larger than a
# page (chains of vector parts written by a build and by inserts, removed by
# VACUUM).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "shared_buffers = 128MB\n");
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION hannoy');

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;

# random 32-dimensional vectors, the same on every run
$primary->safe_psql('postgres', q{
	SELECT setseed(0.42);
	CREATE TABLE items (id serial PRIMARY KEY, v vector(32));
	INSERT INTO items (v)
	  SELECT (SELECT array_agg(random()) FROM generate_series(1, 32) WHERE g > 0)::vector
	    FROM generate_series(1, 3000) g;
	CREATE INDEX items_v ON items USING hannoy (v);
	CREATE TABLE queries AS
	  SELECT q AS qid, (SELECT array_agg(random()) FROM generate_series(1, 32) WHERE q > 0)::vector(32) AS v
	    FROM generate_series(1, 30) q;
});

sub topk
{
	my ($node, $table, $queries) = @_;
	$queries //= 'queries';
	return $node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		SELECT string_agg(ids, ';' ORDER BY qid) FROM (
		  SELECT q.qid, string_agg(s.id::text, ',') AS ids FROM $queries q
		  CROSS JOIN LATERAL (SELECT id FROM $table ORDER BY v <-> q.v LIMIT 10) s
		  GROUP BY q.qid) x});
}

sub compare
{
	my ($what, $table, $queries) = @_;
	$table //= 'items';
	$primary->wait_for_catchup($standby);
	my $p = topk($primary, $table, $queries);
	ok(length($p) > 100, "$what: the primary answers");
	is(topk($standby, $table, $queries), $p, "$what: the standby returns the same top-10");
	is($standby->safe_psql('postgres', "SELECT hannoy_verify('${table}_v')"),
		$primary->safe_psql('postgres', "SELECT hannoy_verify('${table}_v')"),
		"$what: the standby's graph verifies, with as many elements");
}

compare('after the build');

$primary->safe_psql('postgres', join('', map { qq{
	INSERT INTO items (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 32) WHERE $_ > 0)::vector;
} } 1 .. 300));
compare('after 300 single-row inserts');

$primary->safe_psql('postgres', 'DELETE FROM items WHERE id % 7 = 0; VACUUM items');
compare('after delete and VACUUM');

$primary->safe_psql('postgres', q{
	INSERT INTO items (v)
	  SELECT (SELECT array_agg(random()) FROM generate_series(1, 32) WHERE g > 0)::vector
	    FROM generate_series(1, 400) g});
compare('after inserts into freed space');

$primary->safe_psql('postgres', q{
	CREATE TABLE pqitems AS SELECT * FROM items;
	CREATE INDEX pqitems_v ON pqitems USING hannoy (v vector_l2_pq_ops);
	CREATE TABLE pqempty (id serial, v vector(32));
	CREATE INDEX pqempty_v ON pqempty USING hannoy (v vector_l2_pq_ops);
	INSERT INTO pqempty (v) SELECT v FROM items ORDER BY id LIMIT 500;
});
compare('PQ index after the build', 'pqitems');
compare('PQ index trained by its first insert', 'pqempty');
$primary->safe_psql('postgres', q{
	INSERT INTO pqitems SELECT id + 100000, v FROM items WHERE id % 5 = 0;
	DELETE FROM pqitems WHERE id % 3 = 0;
	VACUUM pqitems});
compare('PQ index after inserts, deletes and VACUUM', 'pqitems');

# 5000-d fp32: an element, a vector part and a vector item each
$primary->safe_psql('postgres', q{
	CREATE TABLE wide (id serial PRIMARY KEY, v vector(5000));
	INSERT INTO wide (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 5000) WHERE g > 0)::vector
	  FROM generate_series(1, 200) g;
	CREATE INDEX wide_v ON wide USING hannoy (v);
	CREATE TABLE widequeries AS
	  SELECT q AS qid, (SELECT array_agg(random()) FROM generate_series(1, 5000) WHERE q > 0)::vector(5000) AS v
	    FROM generate_series(1, 20) q;
});
compare('vectors larger than a page, after the build', 'wide', 'widequeries');
$primary->safe_psql('postgres', join('', map { qq{
	INSERT INTO wide (v) SELECT (SELECT array_agg(random()) FROM generate_series(1, 5000) WHERE $_ > 0)::vector;
} } 1 .. 50));
$primary->safe_psql('postgres', 'DELETE FROM wide WHERE id % 4 = 0; VACUUM wide');
compare('vectors larger than a page, after inserts, deletes and VACUUM', 'wide', 'widequeries');

$standby->stop;
$primary->stop;
done_testing();
