# Concurrency: 8 sessions inserting and querying while another deletes and
# vacuums, with zero errors; the graph verifies afterwards and recall holds.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $node = hannoy_node('concurrency', conf => "max_connections = 30\n");
$node->safe_psql('postgres', q{
	SELECT setseed(0.7);
	CREATE TABLE items (id bigserial PRIMARY KEY, v vector(24));
	INSERT INTO items (v)
	  SELECT (SELECT array_agg(random()) FROM generate_series(1, 24) WHERE g > 0)::vector
	    FROM generate_series(1, 3000) g;
	CREATE INDEX items_v ON items USING hannoy (v);
});

my $insert = pgbench_script('insert.sql',
	"INSERT INTO items (v) SELECT array_agg(random())::vector FROM generate_series(1, 24);\n");
my $query = pgbench_script('query.sql', qq{SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> (SELECT array_agg(random())::vector FROM generate_series(1, 24)) LIMIT 10) s;
});
my $vacuum = pgbench_script('vacuum.sql', qq{\\set lo random(1, 6000)
DELETE FROM items WHERE id BETWEEN :lo AND :lo + 40;
VACUUM items;
});

my @connect = ('-h', $node->host, '-p', $node->port, 'postgres');
my ($out1, $err1, $out2, $err2) = ('', '', '', '');
my $workers = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '8', '-j', '2', '-T', '15', '-f', "$insert\@1",
	  '-f', "$query\@1", @connect ],
	'>', \$out1, '2>', \$err1);
my $vacuumer = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '1', '-T', '15', '-f', $vacuum, @connect ],
	'>', \$out2, '2>', \$err2);
ok($workers->finish, 'inserters and readers finished without errors')
  or diag($err1);
ok($vacuumer->finish, 'the vacuuming session finished without errors')
  or diag($err2);
like($out1, qr/number of failed transactions: 0/, 'no failed transactions (inserts, queries)');
like($out2, qr/number of failed transactions: 0/, 'no failed transactions (delete, vacuum)');
my ($done) = $out1 =~ /number of transactions actually processed: (\d+)/;
cmp_ok($done // 0, '>', 100, 'the sessions did real work (' . ($done // 0) . ' transactions)');

$node->safe_psql('postgres', 'VACUUM items');
cmp_ok($node->safe_psql('postgres', "SELECT hannoy_verify('items_v')"), '>', 0,
	'the graph verifies after the concurrent run');
my $missing = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	SET hannoy.ef_search = 100;
	SELECT count(*) FROM items i
	 WHERE i.id NOT IN (SELECT id FROM items ORDER BY v <-> i.v LIMIT 5)});
my $total = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
cmp_ok($missing / $total, '<', 0.01,
	"rows found by their own vector after the run ($missing of $total missed)");

$node->stop;
done_testing();
