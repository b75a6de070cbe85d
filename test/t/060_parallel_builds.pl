# Parallel builds make graphs as sound as serial ones.  Workers share the
# graph, so an element is reachable (and gets links from other workers)
# before it has linked itself on its lower layers; builds once linked
# elements to themselves that way (15 of 20 builds of this table failed
# hannoy_verify).  Many builds, each verified: hannoy_verify rejects self
# links, repeated links, links to non-elements and gaps in lists.
use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $builds = $ENV{HANNOY_PARALLEL_BUILDS} // 12;
my $rows = 20000;
my $node = hannoy_node('parallel', conf => qq{
	maintenance_work_mem = 256MB
	max_worker_processes = 8
	max_parallel_workers = 8
	max_parallel_maintenance_workers = 2
});

# 64-d random vectors, reproducible (setseed)
$node->safe_psql('postgres', qq{
	SELECT setseed(0.42);
	CREATE TABLE items (id int, v vector(64));
	INSERT INTO items
	  SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 64) WHERE i > 0)::vector
	  FROM generate_series(1, $rows) i;
	ALTER TABLE items SET (parallel_workers = 2);
});

my $failed = 0;
for my $round (1 .. $builds)
{
	my ($ret, $out, $err) = $node->psql('postgres', qq{
		SET client_min_messages = debug1;
		DROP INDEX IF EXISTS items_v;
		CREATE INDEX items_v ON items USING hannoy (v);
	});
	$ret == 0 or BAIL_OUT("build $round failed: $err");
	$err =~ /with ([0-9]+) parallel workers/ && $1 > 0
	  or BAIL_OUT("build $round ran without parallel workers: $err");
	($ret, $out, $err) = $node->psql('postgres', "SELECT hannoy_verify('items_v')");
	if ($ret != 0 || $out ne $rows)
	{
		$failed++;
		diag("build $round: $err");
	}
}
is($failed, 0, "$builds parallel builds of $rows rows, each verified");

$node->stop;
done_testing();
