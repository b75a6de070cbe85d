# The binary wire format of vector, halfvec and sparsevec: the exact bytes
# pgvector clients expect from send, every way recv rejects bad input, and
# a relocatable install beside another type named "vector".
use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $node = hannoy_node('wire', no_extension => 1);

# Another extension's "vector" in public, hannoy in its own schema.
$node->safe_psql('postgres', q{
	CREATE DOMAIN public.vector AS real[];
	CREATE SCHEMA hannoy;
	CREATE EXTENSION hannoy SCHEMA hannoy;
});
is($node->safe_psql('postgres',
		q{SELECT '[3,4]'::hannoy.vector OPERATOR(hannoy.<->) '[0,0]'::hannoy.vector}),
	'5', 'relocated into its own schema beside another type named vector');
is($node->safe_psql('postgres',
		q{SELECT format_type('public.vector'::regtype, NULL)}),
	'vector', 'the other vector type is untouched');

my $dir = PostgreSQL::Test::Utils::tempdir();
my $sig = "PGCOPY\n\377\r\n\0";

# A binary COPY file with one row of one field (undef = the raw bytes).
sub copy_file_with_field
{
	my ($name, $field) = @_;
	my $path = "$dir/$name.bin";
	open my $fh, '>:raw', $path or die "open $path: $!";
	print $fh $sig, pack('NN', 0, 0), pack('n', 1),
	  pack('N', length $field), $field, pack('n', 0xffff);
	close $fh;
	return $path;
}

# --- send: exact bytes -----------------------------------------------------
my $out = "$dir/out.bin";
$node->safe_psql('postgres', qq{
	COPY (SELECT '[1,-2.5]'::hannoy.vector, '[1,-2.5]'::hannoy.halfvec)
	  TO '$out' (FORMAT binary)});
my $bytes = read_bytes($out);
my $header = length($sig) + 8;
my ($nfields) = unpack('n', substr($bytes, $header, 2));
is($nfields, 2, 'one row of two fields');
my $pos = $header + 2;
my ($len) = unpack('N', substr($bytes, $pos, 4));
is(unpack('H*', substr($bytes, $pos + 4, $len)), '000200003f800000c0200000',
	'vector send: int16 dim, int16 0, big-endian float4s');
$pos += 4 + $len;
($len) = unpack('N', substr($bytes, $pos, 4));
is(unpack('H*', substr($bytes, $pos + 4, $len)), '000200003c00c100',
	'halfvec send: int16 dim, int16 0, big-endian binary16 bits');

# --- recv: good and bad input ---------------------------------------------
$node->safe_psql('postgres', q{
	CREATE TABLE v2 (v hannoy.vector(2));
	CREATE TABLE vany (v hannoy.vector);
	CREATE TABLE h2 (h hannoy.halfvec(2));
});

sub copy_in
{
	my ($table, $name, $field) = @_;
	my $path = copy_file_with_field($name, $field);
	return sqlstate_of($node, "COPY $table FROM '$path' (FORMAT binary)");
}

is(copy_in('v2', 'good', pack('n n', 2, 0) . pack('B32 B32',
			unpack('B32', pack('f>', 1.0)), unpack('B32', pack('f>', -2.5)))),
	'ok', 'vector recv accepts the bytes send produced');
is($node->safe_psql('postgres', 'SELECT v FROM v2'), '[1,-2.5]',
	'and reads them back as the same vector');

my $f = sub { pack('f>', $_[0]) };
is(copy_in('vany', 'dim0', pack('n n', 0, 0)), '22000', 'vector recv: zero dimensions');
is(copy_in('vany', 'dimneg', pack('n n', 0xffff, 0) . $f->(1)), '22000',
	'vector recv: negative dimensions');
is(copy_in('vany', 'dimbig', pack('n n', 16001, 0) . ($f->(1) x 16001)), '54000',
	'vector recv: more than 16000 dimensions');
is(copy_in('vany', 'unused', pack('n n', 1, 1) . $f->(1)), '22P03',
	'vector recv: non-zero reserved field');
is(copy_in('vany', 'nan', pack('n n', 1, 0) . pack('N', 0x7fc00000)), '22000',
	'vector recv: NaN element');
is(copy_in('vany', 'inf', pack('n n', 1, 0) . pack('N', 0xff800000)), '22000',
	'vector recv: -Infinity element');
is(copy_in('v2', 'typmod', pack('n n', 3, 0) . ($f->(1) x 3)), '22000',
	'vector recv: dimensions differ from the typmod');
is(copy_in('vany', 'junk', pack('n n', 1, 0) . $f->(1) . "\0"), '22P03',
	'vector recv: trailing bytes');
like(copy_in('vany', 'short', pack('n n', 2, 0) . $f->(1)), qr/^(08P01|22P03)$/,
	'vector recv: too few bytes');

is(copy_in('h2', 'hgood', pack('n n n n', 2, 0, 0x3c00, 0xc100)), 'ok',
	'halfvec recv accepts the bytes send produced');
is($node->safe_psql('postgres', 'SELECT h FROM h2'), '[1,-2.5]',
	'and reads them back as the same halfvec');
is(copy_in('h2', 'hinf', pack('n n n n', 2, 0, 0x3c00, 0x7c00)), '22000',
	'halfvec recv: infinity bits');
is(copy_in('h2', 'hnan', pack('n n n n', 2, 0, 0x7e00, 0x3c00)), '22000',
	'halfvec recv: NaN bits');
is(copy_in('h2', 'hunused', pack('n n n n', 2, 7, 0x3c00, 0x3c00)), '22P03',
	'halfvec recv: non-zero reserved field');
is(copy_in('h2', 'hdim0', pack('n n', 0, 0)), '22000', 'halfvec recv: zero dimensions');

# --- sparsevec: send bytes, recv of good and bad input ----------------------
# int32 dim, int32 nnz, int32 0, nnz int32 0-based ascending indices, nnz
# float4 values, all big-endian.
my $sp = sub {
	my ($dim, $nnz, $reserved, $indices, $values) = @_;
	return pack('l> l> l>', $dim, $nnz, $reserved) . pack('l>*', @$indices) . $values;
};
my $sout = "$dir/sout.bin";
$node->safe_psql('postgres', qq{
	COPY (SELECT '{3:-2, 1:1.5}/5'::hannoy.sparsevec, '{}/1000000000'::hannoy.sparsevec)
	  TO '$sout' (FORMAT binary)});
$bytes = read_bytes($sout);
$pos = $header + 2;
($len) = unpack('N', substr($bytes, $pos, 4));
is(unpack('H*', substr($bytes, $pos + 4, $len)),
	'00000005' . '00000002' . '00000000' . '00000000' . '00000002' . '3fc00000' . 'c0000000',
	'sparsevec send: dim, nnz, 0, 0-based indices, big-endian float4s');
$pos += 4 + $len;
($len) = unpack('N', substr($bytes, $pos, 4));
is(unpack('H*', substr($bytes, $pos + 4, $len)), '3b9aca00' . '00000000' . '00000000',
	'sparsevec send: no elements in 1e9 dimensions');

$node->safe_psql('postgres', q{
	CREATE TABLE s5 (s hannoy.sparsevec(5));
	CREATE TABLE sany (s hannoy.sparsevec);
});
is(copy_in('s5', 'sgood', $sp->(5, 2, 0, [ 0, 2 ], $f->(1.5) . $f->(-2))), 'ok',
	'sparsevec recv accepts the bytes send produced');
is($node->safe_psql('postgres', 'SELECT s FROM s5'), '{1:1.5,3:-2}/5',
	'and reads them back as the same sparsevec');
is(copy_in('sany', 'smax', $sp->(1000000000, 1, 0, [999999999], $f->(-0.25))), 'ok',
	'sparsevec recv: the last of 1e9 dimensions');
is(copy_in('sany', 'sempty', $sp->(7, 0, 0, [], '')), 'ok',
	'sparsevec recv: no elements');
is($node->safe_psql('postgres', 'SELECT string_agg(s::text, \' \' ORDER BY s) FROM sany'),
	'{}/7 {1000000000:-0.25}/1000000000', 'and reads them back');
is(copy_in('sany', 's16000', $sp->(16000, 16000, 0, [ 0 .. 15999 ], $f->(1) x 16000)), 'ok',
	'sparsevec recv: 16000 non-zero elements');

my @sparse_bad = (
	[ 'sunused', 'sany', $sp->(5, 1, 1, [0], $f->(1)), '22P03', 'reserved field not 0' ],
	[ 'sunused2', 'sany', $sp->(5, 0, -1, [], ''), '22P03', 'reserved field -1' ],
	[ 'snnzneg', 'sany', $sp->(5, -1, 0, [], ''), '22P03', 'nnz < 0' ],
	[ 'snnzdim', 'sany', $sp->(2, 3, 0, [ 0, 1, 2 ], $f->(1) x 3), '22P03', 'nnz > dim' ],
	[ 'snnzmax', 'sany', $sp->(20000, 16001, 0, [ 0 .. 16000 ], $f->(1) x 16001), '54000',
		'more than 16000 non-zero elements' ],
	[ 'sidxhigh', 'sany', $sp->(5, 1, 0, [5], $f->(1)), '22P03', 'index = dim' ],
	[ 'sidxneg', 'sany', $sp->(5, 1, 0, [-1], $f->(1)), '22P03', 'negative index' ],
	[ 'sorder', 'sany', $sp->(5, 2, 0, [ 3, 1 ], $f->(1) x 2), '22P03', 'indices not ascending' ],
	[ 'srepeat', 'sany', $sp->(5, 2, 0, [ 2, 2 ], $f->(1) . $f->(2)), '22P03', 'repeated index' ],
	[ 'szero', 'sany', $sp->(5, 2, 0, [ 0, 1 ], $f->(1) . $f->(0)), '22P03', 'zero value' ],
	[ 'snegzero', 'sany', $sp->(5, 1, 0, [0], pack('N', 0x80000000)), '22P03', 'negative zero value' ],
	[ 'snan', 'sany', $sp->(5, 1, 0, [0], pack('N', 0x7fc00000)), '22000', 'NaN value' ],
	[ 'sinf', 'sany', $sp->(5, 1, 0, [0], pack('N', 0x7f800000)), '22000', 'infinite value' ],
	[ 'sninf', 'sany', $sp->(5, 1, 0, [0], pack('N', 0xff800000)), '22000', '-infinite value' ],
	[ 'shead', 'sany', pack('l> l>', 5, 0), '08P01', 'truncated header' ],
	[ 'sshortidx', 'sany', $sp->(5, 2, 0, [0], ''), '22P03', 'truncated indices' ],
	[ 'sshortval', 'sany', $sp->(5, 2, 0, [ 0, 1 ], $f->(1) . "\0\0"), '22P03', 'truncated values' ],
	[ 'strail', 'sany', $sp->(5, 1, 0, [0], $f->(1) . "\0"), '22P03', 'trailing bytes' ],
	[ 'sdim0', 'sany', $sp->(0, 0, 0, [], ''), '22000', 'zero dimensions' ],
	[ 'sdimneg', 'sany', $sp->(-5, 0, 0, [], ''), '22000', 'negative dimensions' ],
	[ 'sdimbig', 'sany', $sp->(1000000001, 1, 0, [0], $f->(1)), '54000', 'more than 1e9 dimensions' ],
	[ 'stypmod', 's5', $sp->(6, 1, 0, [0], $f->(1)), '22000', 'dimensions differ from the typmod' ],
);
for my $case (@sparse_bad)
{
	my ($name, $table, $field, $want, $what) = @$case;
	is(copy_in($table, $name, $field), $want, "sparsevec recv: $what ($want)");
}
is($node->safe_psql('postgres', 'SELECT (SELECT count(*) FROM s5) + (SELECT count(*) FROM sany)'),
	'4', 'no rejected row was stored');

# round trips of sparse vectors over 1e9 dimensions, up to 60 elements
$node->safe_psql('postgres', q{
	SELECT setseed(0.25);
	CREATE TABLE ssrc AS
	  SELECT i, ('{' || coalesce((SELECT string_agg((1 + (random() * 999999999)::int) || ':'
	                                               || (random() * 200 - 100)::real, ',')
	                                FROM generate_series(1, i % 61) WHERE i > 0), '')
	             || '}/1000000000')::hannoy.sparsevec AS s
	    FROM generate_series(1, 300) i;
	CREATE TABLE sdst_bin (LIKE ssrc);
	CREATE TABLE sdst_txt (LIKE ssrc);
});
$node->safe_psql('postgres', qq{
	COPY ssrc TO '$dir/srt.bin' (FORMAT binary);
	COPY sdst_bin FROM '$dir/srt.bin' (FORMAT binary);
	COPY ssrc TO '$dir/srt.txt';
	COPY sdst_txt FROM '$dir/srt.txt';
});
is($node->safe_psql('postgres', q{
	SELECT sum(length(s::text) - length(replace(s::text, ':', ''))) FROM ssrc}), '8916',
	'the sparse vectors to copy hold 8916 elements in all');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM ssrc s JOIN sdst_bin b USING (i) JOIN sdst_txt t USING (i)
	 WHERE s.s OPERATOR(hannoy.=) b.s AND s.s OPERATOR(hannoy.=) t.s
	   AND s.s::text = b.s::text AND s.s::text = t.s::text
	   AND hannoy.sparsevec_send(s.s) = hannoy.sparsevec_send(b.s)}), '300',
	'binary and text COPY round-trip every sparsevec exactly');

# --- round trips through binary and text COPY --------------------------------
$node->safe_psql('postgres', q{
	SELECT setseed(0.5);
	CREATE TABLE src AS
	  SELECT i, (SELECT array_agg(random() * 200 - 100) FROM generate_series(1, 1 + i % 300)
	              WHERE i > 0)::hannoy.vector AS v
	    FROM generate_series(1, 500) i;
	ALTER TABLE src ADD COLUMN h hannoy.halfvec;
	UPDATE src SET h = v::hannoy.halfvec;
	CREATE TABLE dst_bin (LIKE src);
	CREATE TABLE dst_txt (LIKE src);
});
$node->safe_psql('postgres', qq{
	COPY src TO '$dir/rt.bin' (FORMAT binary);
	COPY dst_bin FROM '$dir/rt.bin' (FORMAT binary);
	COPY src TO '$dir/rt.txt';
	COPY dst_txt FROM '$dir/rt.txt';
});
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM src s JOIN dst_bin d USING (i)
	 WHERE s.v OPERATOR(hannoy.=) d.v AND s.h OPERATOR(hannoy.=) d.h
	   AND s.v::text = d.v::text}), '500', 'binary COPY round-trips every vector exactly');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM src s JOIN dst_txt d USING (i)
	 WHERE s.v OPERATOR(hannoy.=) d.v AND s.h OPERATOR(hannoy.=) d.h}), '500',
	'text COPY round-trips every vector exactly');

$node->stop;
done_testing();
