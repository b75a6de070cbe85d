# Partitioned tables as shards, on SIFT10K: 8 hash and 8 list partitions,
# each with its own hannoy index built within a maintenance_work_mem that
# the whole table's index does not fit.  ORDER BY v <-> q LIMIT 10 on the
# parent merges the partitions' scans; its recall@10 against an exact scan
# is at least the unpartitioned index's.  A partition detached (also
# CONCURRENTLY) while indexed leaves the parent's results without its rows;
# attached again with its index, the parent finds them again.
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

# 10000 x 128 fp32 vectors are 5 MB: the whole index does not fit 1 MB, a
# partition's (1250 rows, 640 kB of vectors) does
my $node = hannoy_node('partitions',
	conf => "maintenance_work_mem = 1MB\nmax_parallel_maintenance_workers = 0");
load_queries($node, $queries, 'vector(128)');
$node->safe_psql('postgres', q{
	CREATE TABLE flat (id int PRIMARY KEY, v vector(128));
	CREATE TABLE hp (id int, v vector(128)) PARTITION BY HASH (id);
	CREATE TABLE lp (id int, v vector(128)) PARTITION BY LIST ((id % 8));
});
$node->safe_psql('postgres', join '', map { qq{
	CREATE TABLE hp_$_ PARTITION OF hp FOR VALUES WITH (MODULUS 8, REMAINDER $_);
	CREATE TABLE lp_$_ PARTITION OF lp FOR VALUES IN ($_);
} } 0 .. 7);
copy_vectors($node, 'flat', $base, 0, 10000);
$node->safe_psql('postgres', 'INSERT INTO hp SELECT * FROM flat; INSERT INTO lp SELECT * FROM flat');

my ($ret, $out, $err) = $node->psql('postgres', 'CREATE INDEX flat_v ON flat USING hannoy (v)');
like($err, qr/does not fit in maintenance_work_mem/, 'the unpartitioned index does not fit 1 MB');
for my $t ('hp', 'lp')
{
	($ret, $out, $err) = $node->psql('postgres', "CREATE INDEX ${t}_v ON $t USING hannoy (v)");
	is($ret, 0, "$t: CREATE INDEX on the parent");
	unlike($err, qr/does not fit/, "$t: every partition's index is built within maintenance_work_mem");
	is($node->safe_psql('postgres', qq{
		SELECT count(*) || ' ' || sum(hannoy_verify(inhrelid)) FROM pg_inherits
		 WHERE inhparent = '${t}_v'::regclass}), '8 10000', "$t: 8 partition indexes hold every row");
	like($node->safe_psql('postgres', qq{SET enable_seqscan = off;
		EXPLAIN SELECT id FROM $t ORDER BY v <-> (SELECT v FROM queries LIMIT 1) LIMIT 10}),
		qr/Merge Append.*Index Scan using ${t}_0_v_idx/s, "$t: Merge Append of the partitions' index scans");
}

my $flat = recall_at_10($node, 'flat', '<->');
cmp_ok($flat, '>=', 0.95, "unpartitioned: recall\@10 is $flat");
for my $t ('hp', 'lp')
{
	my $r = recall_at_10($node, $t, '<->');
	cmp_ok($r, '>=', $flat - 0.005, "$t: recall\@10 through the parent is $r, not below the unpartitioned index's");
}

# rows of one partition among the parent's nearest 10 of every query
my $found_from = sub {
	my ($part) = @_;
	return $node->safe_psql('postgres', qq{SET enable_seqscan = off;
		SELECT count(*) FROM queries q
		  CROSS JOIN LATERAL (SELECT id FROM lp ORDER BY v <-> q.v LIMIT 10) s WHERE s.id % 8 = $part});
};
my $before = $found_from->(3);
cmp_ok($before, '>', 0, "lp_3's rows are among the results ($before)");
$node->safe_psql('postgres', 'ALTER TABLE lp DETACH PARTITION lp_3');
is($found_from->(3), '0', 'detached: the parent no longer returns its rows');
is($node->safe_psql('postgres', qq{SET enable_seqscan = off;
	SELECT count(*) FROM (SELECT id FROM lp_3 ORDER BY v <-> (SELECT v FROM queries LIMIT 1) LIMIT 10) s}),
	'10', 'the detached table keeps its index and answers alone');
$node->safe_psql('postgres', 'ALTER TABLE lp ATTACH PARTITION lp_3 FOR VALUES IN (3)');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_inherits WHERE inhparent = 'lp_v'::regclass}),
	'8', 'attached again: its index became the partition index again');
is($found_from->(3), $before, 'and the parent returns the same rows of it as before');

$node->safe_psql('postgres', 'ALTER TABLE hp DETACH PARTITION hp_5 CONCURRENTLY');
my $r = recall_at_10($node, 'hp', '<->');
cmp_ok($r, '>=', 0.95, "after DETACH CONCURRENTLY: recall\@10 against the remaining rows is $r");
$node->safe_psql('postgres', 'ALTER TABLE hp ATTACH PARTITION hp_5 FOR VALUES WITH (MODULUS 8, REMAINDER 5)');
$r = recall_at_10($node, 'hp', '<->');
cmp_ok($r, '>=', $flat - 0.005, "attached again: recall\@10 is $r");

$node->stop;
done_testing();
