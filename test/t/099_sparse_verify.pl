# hannoy_verify checks what a sparse vector holds, not only its size: an
# index outside the dimensions or out of order, and a value that is not a
# number, are reported (XX002) -- in an element item and in the chain of
# a vector larger than a page.  The elements are found in the index file
# by their bytes (a count, an index and a value no other row has).
use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $node = hannoy_node('sparse_verify');
$node->safe_psql('postgres', q{
	CREATE TABLE sv (id int, v sparsevec(5000));
	INSERT INTO sv SELECT i, ('{' || i || ':1,' || (i + 100) || ':2}/5000')::sparsevec
	  FROM generate_series(1, 300) i;
	-- a marked small vector: count 1, index 4321 (0-based 4320), value 12345.5
	INSERT INTO sv VALUES (1001, '{4321:12345.5}/5000');
	-- a marked large vector (1500 elements: 12 kB, a chain): its last
	-- element index 4998, value 54321.5
	INSERT INTO sv SELECT 1002, ('{' || string_agg(k || ':1', ',') || ',4999:54321.5}/5000')::sparsevec
	  FROM generate_series(1, 1499) k;
	CREATE INDEX sv_v ON sv USING hannoy (v sparsevec_l2_ops);
});
is($node->safe_psql('postgres', "SELECT hannoy_verify('sv_v')"), '302', 'the index verifies');
my $file = $node->safe_psql('postgres', "SELECT pg_relation_filepath('sv_v')");
my $path = $node->data_dir . "/$file";

# Patch the bytes at the first place `find` occurs (offset `at` from it)
# with `new`; returns the file offset.
sub patch
{
	my ($find, $at, $new) = @_;
	$node->stop;
	my $bytes = read_bytes($path);
	my $pos = index($bytes, $find);
	die "pattern not found" if $pos < 0;
	open my $fh, '+<:raw', $path or die "open $path: $!";
	seek($fh, $pos + $at, 0);
	print $fh $new;
	close $fh;
	$node->start;
	return $pos;
}

sub verify_error
{
	my ($name, $detail) = @_;
	my ($ret, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nSELECT hannoy_verify('sv_v')");
	like($err, qr/XX002/, "$name: hannoy_verify reports it (XX002)");
	like($err, $detail, "$name: and says what is wrong");
	$node->safe_psql('postgres', 'REINDEX INDEX sv_v');
	$path = $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('sv_v')");
}

my $small = pack('l<l<f<', 1, 4320, 12345.5);
patch($small, 4, pack('l<', 7000));
verify_error('an index past the dimensions', qr/index 7000, outside 0 to 4999/);

# row 5: count 2, indices 4 and 104
patch(pack('l<l<l<', 2, 4, 104), 8, pack('l<', 3));
verify_error('indices out of order', qr/element 1 has index 3, after 4/);

# the large vector's last value lies past 8 kB into it: in its chain
patch(pack('f<f<', 1.0, 54321.5), 4, pack('f<', 'NaN'));
verify_error('a value that is not a number, in the chain', qr/element 1499 is nan/i);

$node->stop;
done_testing();
