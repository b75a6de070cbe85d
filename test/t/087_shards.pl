# Shards on other servers, with three clusters: a coordinator and two shard
# servers.  hannoy_ivf_create places 8 IVF lists of SIFT10K rows on the two
# shards (postgres_fdw foreign partitions, tables and indexes made there by
# dblink).  Through the coordinator, nearest-rows queries return the same
# rows as a local table with the same lists: all lists, and routed to the
# nearest 2.  A shard whose lists routing prunes sees no statement at all
# (its log), and while it is down the queries routed away from it still
# work; those that need it fail with an error naming its server.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $dir = data_dir() . '/siftsmall';
-f "$dir/siftsmall_base.fvecs"
  or BAIL_OUT("SIFT10K not found in $dir: set HANNOY_DATA_DIR to the folder holding siftsmall/");
my $base = read_fvecs("$dir/siftsmall_base.fvecs");
my $queries = read_fvecs("$dir/siftsmall_query.fvecs");
my $rows = 5000;

# The shards log every statement; their hannoy.ef_search is set for the
# coordinator's connections by the servers' libpq options, as a
# coordinator's own settings do not reach them.
my %shard = map { $_ => hannoy_node($_, conf => "log_statement = 'all'") } ('shard1', 'shard2');
my $coord = hannoy_node('coordinator');
$coord->safe_psql('postgres', 'CREATE EXTENSION postgres_fdw; CREATE EXTENSION dblink');
for my $s ('shard1', 'shard2')
{
	my ($host, $port) = ($shard{$s}->host, $shard{$s}->port);
	$coord->safe_psql('postgres', qq{
		CREATE SERVER $s FOREIGN DATA WRAPPER postgres_fdw
			OPTIONS (host '$host', port '$port', dbname 'postgres', extensions 'hannoy',
					 async_capable 'true', batch_size '100', options '-c hannoy.ef_search=200');
		CREATE USER MAPPING FOR CURRENT_USER SERVER $s});
}

load_queries($coord, [ @$queries[0 .. 49] ], 'vector(128)');
$coord->safe_psql('postgres', 'CREATE TABLE items (id int PRIMARY KEY, v vector(128))');
copy_vectors($coord, 'items', $base, 0, $rows);

# the same 8 lists twice: on the shards, and here
$coord->safe_psql('postgres', q{
	SELECT hannoy_ivf_create('sharded', 'items', 'v', 8, servers => '{shard1,shard2}');
	SELECT hannoy_ivf_create('near', 'items', 'v', 8);
});
is($coord->safe_psql('postgres', q{
	SELECT count(*) FROM pg_foreign_table t JOIN pg_foreign_server s ON s.oid = t.ftserver
	 GROUP BY s.srvname ORDER BY s.srvname}), "4\n4", 'four lists on each shard server');
is($coord->safe_psql('postgres', q{
	SELECT count(*) FROM hannoy_ivf_centroids a JOIN hannoy_ivf_centroids b USING (list, version)
	 WHERE a.target = 'sharded_lists'::regclass AND b.target = 'near_lists'::regclass
	   AND a.centroid = b.centroid}), '8', 'both tables have the same centroids');

# loading: most rows straight into the partitioned table (batched inserts
# into the shards), the rest through the view, which computes the list
$coord->safe_psql('postgres', qq{
	INSERT INTO sharded_lists SELECT id, v, hannoy_ivf_list('sharded_lists', v) FROM items WHERE id < $rows - 100;
	INSERT INTO sharded SELECT * FROM items WHERE id >= $rows - 100;
	INSERT INTO near SELECT * FROM items;
});
my $on_shards = 0;
for my $s ('shard1', 'shard2')
{
	my @lists = $s eq 'shard1' ? (0, 2, 4, 6) : (1, 3, 5, 7);
	$on_shards += $shard{$s}->safe_psql('postgres',
		'SELECT count(*) FROM (' . join(' UNION ALL ', map { "SELECT id FROM sharded_lists_$_" } @lists) . ') x');
	is($shard{$s}->safe_psql('postgres', q{
		SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		  JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'hannoy'}), '4', "$s: a hannoy index on each of its 4 lists");
}
is($on_shards, $rows, "the shards hold all $rows rows");

# top 10 of every query, as "qid:id,id,...;..."
my $topk = sub {
	my ($table, $settings) = @_;
	return $coord->safe_psql('postgres', qq{
		SET hannoy.ef_search = 200;
		$settings;
		SELECT string_agg(ids, ';' ORDER BY qid) FROM (
		  SELECT q.qid, string_agg(s.id::text, ',' ORDER BY s.n) AS ids FROM queries q
		  CROSS JOIN LATERAL (SELECT id, row_number() OVER () AS n
								FROM (SELECT id FROM $table ORDER BY v <-> q.v LIMIT 10) t) s
		  GROUP BY q.qid) x});
};
like($coord->safe_psql('postgres', q{
	EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM sharded ORDER BY v <-> (SELECT v FROM queries LIMIT 1) LIMIT 10}),
	qr/Sort.*Append.*Async Foreign Scan.*ORDER BY.*LIMIT 10/s,
	'the shards are asked concurrently, each for its first 10 rows');
my $exact = $topk->('items', 'SET enable_indexscan = off');
is($topk->('sharded', ''), $exact, 'all lists: the same rows as an exact scan of the local table');
is($topk->('near', ''), $exact, 'and as the local IVF table');
my $routed = $topk->('near', 'SET hannoy.ivf_probes = 2');
isnt($routed, $exact, 'routed to 2 of 8 lists, the local table misses some rows');
is($topk->('sharded', 'SET hannoy.ivf_probes = 2'), $routed, 'routed: the same rows as the local table routed');

# a query whose 2 nearest lists are both on shard1: shard2 sees nothing
my ($qid, $q) = split /\|/, $coord->safe_psql('postgres', q{
	SELECT qid, v FROM queries
	 WHERE hannoy_ivf_probe('sharded_lists', v, 1) % 2 = 0 AND hannoy_ivf_probe('sharded_lists', v, 2) % 2 = 0
	 ORDER BY qid LIMIT 1});
ok(defined $q, "query $qid routes to two lists on shard1");
my $query = "SET hannoy.ivf_probes = 2; SELECT id FROM sharded ORDER BY v <-> '$q' LIMIT 10";
my %offset = map { $_ => -s $shard{$_}->logfile } ('shard1', 'shard2');
my $got = $coord->safe_psql('postgres', $query);
is(scalar(split /\n/, $got), 10, 'routed query returns 10 rows');
my $log1 = slurp_file($shard{shard1}->logfile, $offset{shard1});
my $log2 = slurp_file($shard{shard2}->logfile, $offset{shard2});
like($log1, qr/DECLARE .*ORDER BY .*LIMIT 10/s, 'shard1 got the query with its LIMIT');
unlike($log2, qr/LOG:\s+(statement|execute)/, 'shard2, pruned, got no statement');

# shard2 down: routed away from it, queries work; others name it
$shard{shard2}->stop('fast');
is($coord->safe_psql('postgres', $query), $got, 'shard2 down: the query routed to shard1 still answers');
my ($ret, $out, $err) = $coord->psql('postgres', "SELECT id FROM sharded ORDER BY v <-> '$q' LIMIT 10");
isnt($ret, 0, 'shard2 down: a query over all lists fails');
like($err, qr/could not connect to server "shard2"/, 'and the error names the server');
$shard{shard2}->start;
is($coord->safe_psql('postgres', "SELECT count(*) FROM (SELECT id FROM sharded ORDER BY v <-> '$q' LIMIT 10) s"),
	'10', 'shard2 back: the query over all lists answers again');

done_testing();
