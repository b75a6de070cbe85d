# Corrupted PQ indexes: one field of a codebook page or of the metapage's
# PQ fields changed on disk.  Queries, inserts, VACUUM and hannoy_verify
# must then either work or fail with XX002 (index corrupted); the server
# must never crash.  Codebook values themselves may be anything (NaN too):
# they only make distances wrong.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $node = hannoy_node('pq_corrupt', conf => "restart_after_crash = on\n");
$node->safe_psql('postgres', q{
	SELECT setseed(0.6);
	CREATE TABLE src AS SELECT g AS id,
	  (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE g > 0)::vector(16) AS v
	  FROM generate_series(1, 500) g;
});

# codebook pages start at block 1: 256 x 16 values, ~2037 a page, 3 pages
my $page_contents = 24;    # MAXALIGN(SizeOfPageHeaderData)
my %patches = (
	'codebook: next -> the metapage' => [ 1, $page_contents + 0, pack('V', 0), 'XX002' ],
	'codebook: next -> past the end' => [ 1, $page_contents + 0, pack('V', 100000), 'XX002' ],
	'codebook: next -> itself' => [ 1, $page_contents + 0, pack('V', 1), 'XX002' ],
	'codebook: first' => [ 2, $page_contents + 4, pack('V', 7), 'XX002' ],
	'codebook: count 0' => [ 2, $page_contents + 8, pack('V', 0), 'XX002' ],
	'codebook: count huge' => [ 3, $page_contents + 8, pack('V', 0xFFFFFFFF), 'XX002' ],
	'codebook: page flags element' => [ 1, 8184, pack('v', 2), 'XX002' ],
	'codebook: page id' => [ 2, 8186, pack('v', 0x1234), 'XX002' ],
	'codebook: a NaN value' => [ 1, $page_contents + 12 + 4 * 100, "\x00\x00\xc0\x7f", 'ok' ],
	'codebook: an infinite value' => [ 3, $page_contents + 12 + 4 * 5, "\x00\x00\x80\x7f", 'ok' ],
	'metapage: codebook block 0' => [ 0, 68, pack('V', 0), 'XX002' ],
	'metapage: codebook block past the end' => [ 0, 68, pack('V', 5000), 'XX002' ],
	'metapage: codebook block an element page' => [ 0, 68, pack('V', 5), 'XX002' ],
	'metapage: pq_m 0' => [ 0, 64, pack('v', 0), 'XX002' ],
	'metapage: pq_m past dims' => [ 0, 64, pack('v', 17), 'XX002' ],
	'metapage: pq_m smaller' => [ 0, 64, pack('v', 1), 'XX002' ],
	'metapage: storage fp32' => [ 0, 38, chr(1), 'XX002' ],
);

my $round = 0;
for my $what (sort keys %patches)
{
	my ($blk, $at, $bytes, $expect) = @{ $patches{$what} };
	$round++;
	$node->safe_psql('postgres', qq{
		DROP TABLE IF EXISTS t;
		CREATE TABLE t AS SELECT * FROM src;
		CREATE INDEX t_v ON t USING hannoy (v vector_l2_pq_ops) WITH (pq_m = 4);
		CHECKPOINT});
	my $file = $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('t_v')");
	$node->stop;
	open my $fh, '+<:raw', $file or die "open $file: $!";
	seek $fh, $blk * 8192 + $at, 0;
	print $fh $bytes;
	close $fh;
	$node->start;

	my @states;
	for my $sql (
		q{SET enable_seqscan = off; SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM src WHERE id = 3) LIMIT 10) s},
		q{SET enable_seqscan = off; SET hannoy.rerank = 0; SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM src WHERE id = 3) LIMIT 10) s},
		q{INSERT INTO t SELECT id + 1000, v FROM src WHERE id < 5},
		q{SELECT hannoy_verify('t_v')},
		q{DELETE FROM t WHERE id % 4 = 0; VACUUM t})
	{
		push @states, sqlstate_of($node, $sql);
	}
	my $alive = $node->safe_psql('postgres', 'SELECT 1') eq '1';
	ok($alive, "$what: the server is up");
	my @bad = grep { $_ ne 'ok' && $_ ne 'XX002' } @states;
	is(scalar @bad, 0, "$what: every statement works or reports XX002 (@states)");
	if ($expect eq 'XX002')
	{
		ok((grep { $_ eq 'XX002' } @states) > 0, "$what: the corruption is reported");
	}
	else
	{
		is(join(',', @states), join(',', ('ok') x @states), "$what: nothing fails");
	}
}

$node->stop;
done_testing();
