# Attribute arrays on corrupted pages (issue 12's review): an array whose
# header was patched must give XX002, never a read outside the element.
#  - a data offset one byte off: the array functions read the first element
#    where the header says, unaligned; the check once aligned it and
#    validated other bytes than those read
#  - a domain over an array: once not checked as an array at all
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $node = hannoy_node('attribute_arrays');
$node->safe_psql('postgres', q{
	CREATE DOMAIN int_list AS int[];
	CREATE TABLE a (id int, v vector(2), tags int[], dl int_list);
	INSERT INTO a SELECT i, ARRAY[i, 1]::vector, ARRAY[NULL, 287454020, 1432778632, i],
	                     ARRAY[NULL, 305419896, i]
	  FROM generate_series(1, 20) i;
	CREATE INDEX a_idx ON a USING hannoy (v, tags, dl);
	CHECKPOINT;
});
my $query = q{SET enable_seqscan = off;
	SELECT id FROM a WHERE tags && '{7}' AND dl && '{7}' ORDER BY v <-> '[1,1]' LIMIT 5};
is($node->safe_psql('postgres', $query), '7', 'the filtered scan finds the row');

# An array's header after its length word: ndim, data offset (with a null
# bitmap, MAXALIGN(16 + 8 + 1) = 32), element type (int4), dimension, lower bound.
sub patch_arrays
{
	my ($items, $at, $value) = @_;
	my $path = $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('a_idx')");
	$node->stop;
	my $bytes = read_bytes($path);
	my $pattern = pack('l<5', 1, 32, 23, $items, 1);
	my $count = 0;
	my $pos = 0;
	while (($pos = index($bytes, $pattern, $pos)) >= 0)
	{
		substr($bytes, $pos + $at, 4) = pack('l<', $value);
		$pos += length $pattern;
		$count++;
	}
	open my $fh, '>:raw', $path or die "open $path: $!";
	print $fh $bytes;
	close $fh;
	$node->start;
	return $count;
}

# tags (4 elements): the data offset one byte past construct_md_array's
is(patch_arrays(4, 4, 33), 20, 'every element holds its tags array');
is(sqlstate_of($node, $query), 'XX002', 'an array whose data offset is off by one: XX002');
is(sqlstate_of($node, "SELECT hannoy_verify('a_idx')"), 'XX002', 'and hannoy_verify reports it');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is up');

# dl (3 elements, a domain over int[]): six dimensions claimed
$node->safe_psql('postgres', 'REINDEX INDEX a_idx; CHECKPOINT');
is($node->safe_psql('postgres', $query), '7', 'REINDEX repairs it');
is(patch_arrays(3, 0, 6), 20, 'every element holds its domain array');
is(sqlstate_of($node, $query), 'XX002', 'a domain array with six dimensions claimed: XX002');
is(sqlstate_of($node, "SELECT hannoy_verify('a_idx')"), 'XX002', 'and hannoy_verify reports it');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is up');

$node->stop;
done_testing();
