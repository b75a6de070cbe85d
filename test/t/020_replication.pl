# WAL replay: a streaming standby returns the same top-k as the primary
# after a build, single-row inserts, deletes with VACUUM, and more inserts
# into the freed space; the standby's graph verifies.
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
	my ($node) = @_;
	return $node->safe_psql('postgres', q{
		SET enable_seqscan = off;
		SELECT string_agg(ids, ';' ORDER BY qid) FROM (
		  SELECT q.qid, string_agg(s.id::text, ',') AS ids FROM queries q
		  CROSS JOIN LATERAL (SELECT id FROM items ORDER BY v <-> q.v LIMIT 10) s
		  GROUP BY q.qid) x});
}

sub compare
{
	my ($what) = @_;
	$primary->wait_for_catchup($standby);
	my $p = topk($primary);
	ok(length($p) > 100, "$what: the primary answers");
	is(topk($standby), $p, "$what: the standby returns the same top-10");
	is($standby->safe_psql('postgres', "SELECT hannoy_verify('items_v')"),
		$primary->safe_psql('postgres', "SELECT hannoy_verify('items_v')"),
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

$standby->stop;
$primary->stop;
done_testing();
