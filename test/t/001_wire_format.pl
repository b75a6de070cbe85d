# The binary wire format of vector and halfvec: the exact bytes pgvector
# clients expect from send, every way recv rejects bad input, and a
# relocatable install beside another type named "vector".
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
