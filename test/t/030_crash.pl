# Crash safety: kill -9 the postmaster while pgbench inserts from several
# sessions, into a table with an fp32 index, one with a product-quantized
# index and one of 5000-d vectors (each a chain of items over pages; 8
# random values repeated, so that a row's own vector finds it as reliably
# as in 8 dimensions: uniform random 5000-d data has no near neighbours,
# and one row in several hundred was missed that way); after
# restart every graph verifies and every committed row is found by its own
# vector.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use HannoyTest;

my $node = hannoy_node('crash', conf => "restart_after_crash = off\n");
$node->safe_psql('postgres', q{
	SELECT setseed(0.1);
	CREATE TABLE items (id bigserial PRIMARY KEY, v vector(16));
	INSERT INTO items (v)
	  SELECT (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE g > 0)::vector
	    FROM generate_series(1, 2000) g;
	CREATE INDEX items_v ON items USING hannoy (v);
	CREATE TABLE pqitems (id bigserial PRIMARY KEY, v vector(16));
	INSERT INTO pqitems (v) SELECT v FROM items;
	CREATE INDEX pqitems_v ON pqitems USING hannoy (v vector_l2_pq_ops);
	CREATE TABLE wideitems (id bigserial PRIMARY KEY, v vector(5000));
	INSERT INTO wideitems (v)
	  SELECT (SELECT array_agg(r[j % 8 + 1]) FROM generate_series(0, 4999) j)::vector
	    FROM (SELECT g, (SELECT array_agg(random()) FROM generate_series(1, 8) WHERE g > 0) r
	            FROM generate_series(1, 300) g) s;
	CREATE INDEX wideitems_v ON wideitems USING hannoy (v);
	CHECKPOINT;
});

my $script = PostgreSQL::Test::Utils::tempdir() . '/insert.sql';
open my $fh, '>', $script or die;
print $fh "INSERT INTO items (v) SELECT array_agg(random())::vector FROM generate_series(1, 16);\n";
print $fh "INSERT INTO pqitems (v) SELECT array_agg(random())::vector FROM generate_series(1, 16);\n";
print $fh "INSERT INTO wideitems (v) SELECT array_agg(r[j % 8 + 1])::vector "
  . "FROM (SELECT array_agg(random()) r FROM generate_series(1, 8)) a, generate_series(0, 4999) j;\n";
close $fh;

my ($out, $err) = ('', '');
my $pgbench = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '6', '-j', '2', '-T', '60', '-f', $script,
	  '-h', $node->host, '-p', $node->port, 'postgres' ],
	'>', \$out, '2>', \$err);

# let it insert for a while, then crash
my $before = 2000;
for (1 .. 100)
{
	usleep(100_000);
	$before = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
	last if $before > 4000;
}
cmp_ok($before, '>', 2500, "pgbench was inserting ($before rows before the crash)");
$node->kill9;
$pgbench->finish;

# the old backends may take a moment to go away
my $started = 0;
for (1 .. 60)
{
	last if ($started = $node->start(fail_ok => 1));
	# a failed start reads the dead postmaster's pid file: forget it
	$node->{_pid} = undef;
	sleep 1;
}
ok($started, 'restarted after kill -9');

my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
cmp_ok($rows, '>=', $before, "every row committed before the crash is there ($rows)");
is($node->safe_psql('postgres', "SELECT hannoy_verify('items_v')") > 0, 1,
	'the graph verifies after crash recovery');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SET hannoy.ef_search = 200;
	SELECT count(*) FROM items i
	 WHERE i.id NOT IN (SELECT id FROM items ORDER BY v <-> i.v LIMIT 5)}), '0',
	'every committed row is found by its own vector');

cmp_ok($node->safe_psql('postgres', 'SELECT count(*) FROM pqitems'), '>', 2500,
	'rows went into the PQ table too');
is($node->safe_psql('postgres', "SELECT hannoy_verify('pqitems_v') > 0"), 't',
	'the PQ graph verifies after crash recovery');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SET hannoy.ef_search = 200;
	SET hannoy.rerank = 200;
	SELECT count(*) FROM pqitems i
	 WHERE i.id NOT IN (SELECT id FROM pqitems ORDER BY v <-> i.v LIMIT 5)}), '0',
	'every committed row of the PQ table is found by its own vector');

cmp_ok($node->safe_psql('postgres', 'SELECT count(*) FROM wideitems'), '>', 500,
	'rows went into the table of 5000-d vectors too');
is($node->safe_psql('postgres', "SELECT hannoy_verify('wideitems_v') > 0"), 't',
	'its graph verifies after crash recovery');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SET hannoy.ef_search = 200;
	SELECT count(*) FROM wideitems i
	 WHERE i.id NOT IN (SELECT id FROM wideitems ORDER BY v <-> i.v LIMIT 5)}), '0',
	'every committed 5000-d row is found by its own vector');

# and the index keeps working
$node->safe_psql('postgres', q{
	INSERT INTO items (v) SELECT array_agg(random())::vector FROM generate_series(1, 16)});
cmp_ok($node->safe_psql('postgres', "SELECT hannoy_verify('items_v')"), '>', 0,
	'inserts after recovery keep the graph valid');

$node->stop;
done_testing();
