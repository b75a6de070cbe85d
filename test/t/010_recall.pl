# Recall of hannoy indexes on SIFT10K (../shared/data/siftsmall), at the
# default settings: after a build, after 2000 single-row inserts, and after
# deleting 10% of the rows and vacuuming.  Ground truth is an exact scan of
# the same table, so it follows the inserts and deletes.
use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $dir = data_dir() . '/siftsmall';
-f "$dir/siftsmall_base.fvecs"
  or BAIL_OUT("SIFT10K not found in $dir: set HANNOY_DATA_DIR to the folder holding siftsmall/");
my $base = read_fvecs("$dir/siftsmall_base.fvecs");
my $queries = read_fvecs("$dir/siftsmall_query.fvecs");
is(scalar @$base, 10000, 'SIFT10K base vectors');

my $node = hannoy_node('recall', conf => "maintenance_work_mem = 256MB");

# name, column type, opclass, operator, threshold
my @cases = (
	[ 'l2',     'vector(128)',  'vector_l2_ops',      '<->', 0.98 ],
	[ 'cosine', 'vector(128)',  'vector_cosine_ops',  '<=>', 0.96 ],
	[ 'half',   'halfvec(128)', 'halfvec_l2_ops',     '<->', 0.96 ],
	[ 'fp16',   'vector(128)',  'vector_l2_fp16_ops', '<->', 0.96 ],
);

for my $case (@cases)
{
	my ($name, $type, $opclass, $op, $threshold) = @$case;

	load_queries($node, $queries, $type);
	$node->safe_psql('postgres', "CREATE TABLE $name (id int PRIMARY KEY, v $type)");

	# build over 8000 rows
	copy_vectors($node, $name, $base, 0, 8000);
	$node->safe_psql('postgres',
		"CREATE INDEX ${name}_v ON $name USING hannoy (v $opclass)");
	ok(uses_index($node, $name, $op), "$name: ordered scans use the index");
	my $r = recall_at_10($node, $name, $op);
	cmp_ok($r, '>=', $threshold, "$name: recall\@10 after build is $r");

	# 2000 single-row inserts
	my $inserts = join('', map {
		"INSERT INTO $name VALUES ($_, '" . vector_literal($base->[$_]) . "');\n"
	} 8000 .. 9999);
	$node->safe_psql('postgres', $inserts);
	$r = recall_at_10($node, $name, $op);
	cmp_ok($r, '>=', $threshold, "$name: recall\@10 after 2000 inserts is $r");
	is($node->safe_psql('postgres', "SELECT hannoy_verify('${name}_v')"), '10000',
		"$name: graph verifies after inserts");

	# delete 10% and vacuum
	$node->safe_psql('postgres', "DELETE FROM $name WHERE id % 10 = 3; VACUUM $name");
	is($node->safe_psql('postgres', "SELECT hannoy_verify('${name}_v')"), '9000',
		"$name: graph verifies after vacuum");
	$r = recall_at_10($node, $name, $op);
	cmp_ok($r, '>=', $threshold, "$name: recall\@10 after deleting 10% and VACUUM is $r");
	is($node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		SELECT count(*) FROM queries q
		CROSS JOIN LATERAL (SELECT id FROM $name ORDER BY v $op q.v LIMIT 10) s
		WHERE s.id % 10 = 3}), '0', "$name: deleted rows are never returned");

	# the freed space takes new (distinct) rows, which are found
	my $size = $node->safe_psql('postgres', "SELECT pg_relation_size('${name}_v')");
	$node->safe_psql('postgres', qq{
		INSERT INTO $name SELECT id + 10000, (v::vector + array_fill(0.5, ARRAY[128])::vector)::$type
		  FROM $name WHERE id % 10 = 4});
	# Each new row is a near-copy of a live one: hard for outliers, whose
	# build-time search can stop short of their true neighbours (0.2-1.7%
	# missed across runs).  A broken reuse of freed slots loses far more.
	my $found = $node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		SET hannoy.ef_search = 100;
		SELECT count(*) FROM (SELECT id FROM $name WHERE id > 10000) n
		 WHERE n.id IN (SELECT id FROM $name ORDER BY v $op (SELECT v FROM $name WHERE id = n.id) LIMIT 3)});
	cmp_ok($found, '>=', 980, "$name: $found of 1000 rows inserted after vacuum are found by their own vector");
	is($node->safe_psql('postgres', "SELECT hannoy_verify('${name}_v')"), '10000',
		"$name: graph verifies after reusing freed space");
	my $grown = $node->safe_psql('postgres', "SELECT pg_relation_size('${name}_v')") / $size;
	cmp_ok($grown, '<', 1.02, "$name: the new rows reuse freed space (index grew ${grown}x)");
	$node->safe_psql('postgres', "DROP TABLE $name");
}

# A parallel build (leader + 1 worker sharing the graph in DSM) of all
# 10000 rows verifies and gives the same recall as a serial one.
$node->safe_psql('postgres', q{
	CREATE TABLE par (id int PRIMARY KEY, v vector(128));
	DROP TABLE IF EXISTS queries;
	CREATE TABLE queries (qid int, v vector(128));
});
copy_vectors($node, 'par', $base, 0, 10000);
{
	my $qpath = PostgreSQL::Test::Utils::tempdir() . "/queries.tsv";
	open my $fh, '>', $qpath or die;
	print $fh "$_\t" . vector_literal($queries->[$_]) . "\n" for 0 .. $#$queries;
	close $fh;
	$node->safe_psql('postgres', "COPY queries FROM '$qpath'");
}
my %recall;
for my $workers (0, 1)
{
	my ($ret, $out, $err) = $node->psql('postgres', qq{
		SET client_min_messages = debug1;
		SET max_parallel_maintenance_workers = $workers;
		DROP INDEX IF EXISTS par_v;
		CREATE INDEX par_v ON par USING hannoy (v);
	});
	is($ret, 0, "build with max_parallel_maintenance_workers = $workers");
	if ($workers > 0)
	{
		like($err, qr/building the graph of "par_v" with 1 parallel workers/,
			'the build ran with a parallel worker');
	}
	else
	{
		unlike($err, qr/parallel workers/, 'the serial build used no workers');
	}
	is($node->safe_psql('postgres', "SELECT hannoy_verify('par_v')"), '10000',
		"graph verifies (workers = $workers)");
	$recall{$workers} = recall_at_10($node, 'par', '<->');
	cmp_ok($recall{$workers}, '>=', 0.98, "recall\@10 with $workers workers is $recall{$workers}");
}
cmp_ok(abs($recall{1} - $recall{0}), '<=', 0.01, 'parallel and serial builds give the same recall');

# A build whose vectors do not fit in maintenance_work_mem still finishes,
# says so, and builds the same graph.
{
	my ($ret, $out, $err) = $node->psql('postgres', q{
		SET maintenance_work_mem = '1MB';
		SET max_parallel_maintenance_workers = 0;
		DROP INDEX par_v;
		CREATE INDEX par_v ON par USING hannoy (v);
	});
	is($ret, 0, 'a build with maintenance_work_mem = 1MB finishes');
	like($err, qr/NOTICE:  hannoy graph does not fit in maintenance_work_mem/,
		'with a NOTICE that the vectors moved to the index pages');
	is($node->safe_psql('postgres', "SELECT hannoy_verify('par_v')"), '10000',
		'the memory-bounded graph verifies');
	my $r = recall_at_10($node, 'par', '<->');
	cmp_ok(abs($r - $recall{0}), '<=', 0.01,
		"and has the in-memory build's recall ($r vs $recall{0})");
}

$node->stop;
done_testing();
