# The metapage's magic number and format version are checked on first
# read: a mismatch is ERRCODE_INDEX_CORRUPTED (XX002) with a REINDEX hint,
# and REINDEX repairs it.  Versions 2 and 3 are still read: an fp32 index
# whose vectors fit a page is laid out the same in 2, 3 and 4.
use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $node = hannoy_node('format');
$node->safe_psql('postgres', q{
	CREATE TABLE items (id int, v vector(3));
	INSERT INTO items SELECT i, ARRAY[i, i % 5, i % 7] FROM generate_series(1, 100) i;
	CREATE INDEX items_v ON items USING hannoy (v);
});
my $query = "SET enable_seqscan = off; SELECT id FROM items ORDER BY v <-> '[1,1,1]' LIMIT 1";

# overwrite 4 bytes of the metapage's contents (after the 24-byte page header)
sub patch_metapage
{
	my ($offset, $bytes) = @_;
	my $path = $node->data_dir . '/' .
	  $node->safe_psql('postgres', "SELECT pg_relation_filepath('items_v')");
	$node->stop;
	open my $fh, '+<:raw', $path or die "open $path: $!";
	seek $fh, 24 + $offset, 0;
	print $fh $bytes;
	close $fh;
	$node->start;
}

patch_metapage(0, pack('V', 0xdeadbeef));
my ($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$query");
like($err, qr/XX002/, 'a wrong magic number is index corruption');
like($err, qr/not a hannoy index/, 'the message says what is wrong');
like($err, qr/HINT:\s+REINDEX/, 'with a REINDEX hint');

$node->safe_psql('postgres', 'REINDEX INDEX items_v');
is($node->safe_psql('postgres', $query), '1', 'REINDEX repairs it');

for my $old (2, 3, 4)
{
	patch_metapage(4, pack('V', $old));
	is($node->safe_psql('postgres', "SELECT version FROM hannoy_metapage_info('items_v')"),
		$old, "the metapage says version $old");
	is($node->safe_psql('postgres', $query), '1', "an index of format version $old answers");
	$node->safe_psql('postgres', "INSERT INTO items VALUES (200 + $old, '[1,2,$old.5]')");
	is($node->safe_psql('postgres', "SELECT hannoy_verify('items_v')"), 100 + $old - 1,
		'takes inserts and verifies');
}
patch_metapage(4, pack('V', 1));
($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$query");
like($err, qr/format version 1, this hannoy reads versions 2 to 6/,
	'version 1 is no longer read, and the message says which are');
like($err, qr/HINT:\s+REINDEX/, 'with a REINDEX hint');

patch_metapage(4, pack('V', 99));
($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\n$query");
like($err, qr/XX002/, 'an unknown format version is index corruption');
like($err, qr/format version 99/, 'the message names the version found');
($ret, $out, $err) = $node->psql('postgres',
	"\\set VERBOSITY verbose\nINSERT INTO items VALUES (101, '[1,2,3]')");
like($err, qr/XX002/, 'inserts check the version too');

$node->stop;
done_testing();
