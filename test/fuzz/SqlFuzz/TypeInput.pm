# Statement families of the SQL fuzzer (test/fuzz/sqlfuzz.pl): type input.
#
# It generates the statements that hand values to the type input paths of
# vector and halfvec: text input (vector_in / halfvec_in) of malformed
# literals, typmods (typmod_in, coercion to vector(n) / halfvec(n)), array
# casts (array_to_vector / array_to_halfvec) of odd arrays, and binary COPY
# (vector_recv / halfvec_recv) of forged files.  Each fam_* returns one
# statement or a list; fam_binary_copy also adds its COPY file to the
# campaign's files.
package SqlFuzz::TypeInput;

use strict;
use warnings;

use Exporter 'import';
use SqlFuzz::Random;
use SqlFuzz::Values;

our @EXPORT = qw(fam_text_input fam_typmod fam_array_cast fam_binary_copy);

# --------------------------------------------------------------------------
# Family: text input (vector_in / halfvec_in)
# --------------------------------------------------------------------------

sub text_literal_sql
{
	my ($s) = @_;
	# non-UTF-8 bytes cannot go raw into the script (psql's lexer would lose
	# its place); an E'' escape lets the server see (and reject) them
	if (chance(0.01))
	{
		my $pos = rnd(length($s) + 1);
		substr($s, $pos, 0, "\x{fffd}");
		$s =~ s/'/''/g;
		$s =~ s/\\/\\\\/g;
		my $byte = sprintf('\\x%02x', pick(0x80, 0xc0, 0xe0, 0xf8, 0xff));
		$s =~ s/\x{fffd}/$byte/;
		return "E'$s'";
	}
	return lit($s);
}

sub fam_text_input
{
	my $type = pick('vector', 'halfvec');
	my $s = chance(0.7) ? bad_vec_text($type) : vec_text($type, pick(1, 2, 3, 4, 8, 16, 17));
	my $l = text_literal_sql($s);
	return wpick(
		3 => "SELECT ${l}::$type",
		2 => "SELECT fz_check(${l}::$type)",
		2 => "SELECT ${l}::$type(" . int_edge() . ")",
		1 => "SELECT ${type}_in($l, 0, " . int_edge() . ")",
		1 => "SELECT vector_dims(${l}::$type), ${l}::${type}::text",
		1 => "SELECT ${l}::$type = " . lit(vec_text($type, between(1, 4))) . "::$type",
		1 => "INSERT INTO fz_n (" . ($type eq 'vector' ? 'v' : 'h') . ") VALUES ($l)");
}

# --------------------------------------------------------------------------
# Family: typmods (typmod_in, coercion to vector(n) / halfvec(n))
# --------------------------------------------------------------------------

sub typmod_text
{
	return wpick(
		6 => pick(0, 1, 2, 3, 4, 16000, 16001, 100000, 2147483647, -1, -2147483648, 65536, 32768),
		1 => '3, 4', 1 => "'3'", 1 => "'abc'", 1 => "''", 1 => '3.5',
		1 => '1e3', 1 => 'x', 1 => '-0', 1 => "'-1'", 1 => "' 3'", 1 => "'3 '",
		1 => "'+3'", 1 => "'99999999999999999999'");
}

sub fam_typmod
{
	my $type = pick('vector', 'halfvec');
	my $tm = typmod_text();
	my $d = between(1, 5);
	return wpick(
		4 => "SELECT " . vexpr($type, $d) . "::$type($tm)",
		2 => "SELECT NULL::$type($tm)",
		2 => "SELECT CAST(" . vexpr(pick('vector', 'halfvec'), $d) . " AS $type($tm))",
		1 => "SELECT " . vexpr($type, $d) . "::real[]::$type($tm)",
		2 => "SELECT ${type}_typmod_in(" . lit(pick('{3}', '{}', '{3,4}', '{-1}', '{0}',
				'{abc}', '{NULL}', '{{1},{2}}', '{16001}', '{2147483648}', '{" 3"}',
				'{3x}', '{16000}', '[2:2]={5}')) . "::cstring[])",
		1 => "SELECT format_type('$type'::regtype, " . int_edge() . ")",
		1 => "ALTER TABLE fz_t ALTER COLUMN v TYPE "
		  . pick("vector($tm)", "halfvec($tm)", 'vector', 'halfvec', 'real[]')
		  . (chance(0.5) ? " USING v::" . pick('vector', 'halfvec', "vector($tm)") : ''),
		1 => "SELECT '[1,2,3]'::$type($tm)::$type(" . typmod_text() . ")");
}

# --------------------------------------------------------------------------
# Family: array casts (array_to_vector / array_to_halfvec)
# --------------------------------------------------------------------------

sub array_elem
{
	my ($et) = @_;
	return 'NULL' if chance(0.04);
	if ($et eq 'int')
	{
		return pick(0, 1, -1, 2147483647, '-2147483648', 16777217, 65504, 65505, between(-99, 99));
	}
	if ($et eq 'numeric')
	{
		return pick(float_elem(), "'NaN'", "'Infinity'", "'-Infinity'", '1e39', '1e400',
			'-1e400', '1e-400', '0.' . ('0' x 60) . '1', '1' . ('0' x 39));
	}
	return pick(float_elem(), float_elem(), "'NaN'", "'Infinity'", "'-Infinity'",
		($et eq 'float8' ? ('1e39', '-1e39', '1e-50', '1e308', '2.2250738585072014e-308', '4.9e-324') : ()));
}

sub array_expr
{
	my $et = pick(qw(int real float8 numeric));
	my $kind = wpick(
		8 => 'list', 2 => 'empty', 2 => 'multi', 3 => 'fill', 1 => 'bounds',
		1 => 'othertype', 1 => 'null');
	if ($kind eq 'list')
	{
		my $n = pick(1, 2, 3, 3, 4, 5, 8, 17);
		return "ARRAY[" . join(',', map { array_elem($et) } 1 .. $n) . "]::${et}[]";
	}
	elsif ($kind eq 'empty') { return pick("'{}'::${et}[]", "ARRAY[]::${et}[]", "'{{}}'::${et}[]") }
	elsif ($kind eq 'multi')
	{
		return pick("'{{1,2},{3,4}}'::${et}[]", "'{{1},{2},{3}}'::${et}[]",
			"'{{{1}}}'::${et}[]", "array_fill(1::$et, ARRAY[2,3])",
			"array_fill(1::$et, ARRAY[1,1,1,1,1,1])", "'{{1,NULL},{3,4}}'::${et}[]");
	}
	elsif ($kind eq 'fill')
	{
		my $v = pick('1', '0', '-1', 'NULL', ($et eq 'int' ? () : ("'NaN'", '1e-45', '3e38')));
		return "array_fill(${v}::$et, ARRAY[" . pick(0, 1, 3, 16000, 16001, 100000, 1000000) . "])";
	}
	elsif ($kind eq 'bounds')
	{
		return pick("'[0:2]={1,2,3}'::${et}[]", "'[-5:-3]={1,2,3}'::${et}[]",
			"array_fill(2::$et, ARRAY[3], ARRAY[2147483645])",
			"'[2147483646:2147483647]={1,2}'::${et}[]");
	}
	elsif ($kind eq 'othertype')
	{
		return pick("'{1,2}'::text[]", "'{1,2}'::int8[]", "'{1,2}'::int2[]",
			"'{t,f}'::bool[]", "'{1,2}'::oid[]");
	}
	return "NULL::${et}[]";
}

sub fam_array_cast
{
	my $type = pick('vector', 'halfvec');
	my $va = array_expr();
	return wpick(
		3 => "SELECT ${va}::$type",
		2 => "SELECT fz_check(${va}::$type)",
		2 => "SELECT ${va}::$type(" . int_edge() . ")",
		2 => "SELECT array_to_$type($va, " . int_edge() . ", " . pick('true', 'false') . ")",
		1 => "SELECT vector_dims(${va}::$type)",
		1 => "INSERT INTO fz_n (" . ($type eq 'vector' ? 'v' : 'h') . ") VALUES ($va)");
}

# --------------------------------------------------------------------------
# Family: binary COPY (vector_recv / halfvec_recv)
# --------------------------------------------------------------------------

my @copy_targets = (
	[ 'fz_c1', 'v', 'vector' ], [ 'fz_c3', 'v', 'vector' ], [ 'fz_ch', 'h', 'halfvec' ],
	[ 'fz_ch3', 'h', 'halfvec' ], [ 'fz_v3', 'v', 'vector' ], [ 'fz_h', 'h', 'halfvec' ],
	[ 'fz_f', 'v', 'vector' ], [ 'fz_v', 'v', 'vector' ], [ 'fz_e', 'v', 'vector' ]);

# The bytes of one vector field (not its length word).
sub recv_field
{
	my ($format) = @_;
	my $n = wpick(10 => between(1, 5), 1 => 0, 1 => 16, 1 => 17, 0.3 => 16000, 0.3 => 16001);
	my $declared = wpick(
		12 => $n, 1 => $n + 1, 1 => $n - 1, 1 => 0, 1 => 0xffff, 1 => 0x8000,
		1 => 16001, 1 => 0x7fff, 1 => 2 * $n);
	my $unused = wpick(12 => 0, 1 => 1, 1 => 0xffff, 1 => 0x8000);
	my $elem = sub { $format eq 'halfvec' ? half_bits() : float4_bits() };
	# long payloads repeat a few random elements (generating each is slow)
	my $payload = $n <= 64 ? join('', map { $elem->() } 1 .. $n)
	  : join('', map { $elem->() } 1 .. 8) x int($n / 8) . join('', map { $elem->() } 1 .. $n % 8);
	my $field = pack('nn', $declared & 0xffff, $unused) . $payload;
	$field .= pick("\0", "\0\0", "\0\0\0\0", "xyz") if chance(0.05);
	$field = substr($field, 0, rnd(length($field) + 1)) if chance(0.05);
	return $field;
}

# A binary COPY file: signature, flags and header extension, a few tuples of
# ncols fields (field counts and lengths now and then wrong), the trailer;
# sometimes with trailing garbage or cut short.
sub copy_file
{
	my ($format, $ncols) = @_;
	my $bytes = "PGCOPY\n\377\r\n\0" . pack('NN', 0, 0);
	for (1 .. wpick(6 => 1, 2 => 2, 1 => 5, 1 => 0))
	{
		my $nf = chance(0.95) ? $ncols : pick(0, 2, 0xffff);
		$bytes .= pack('n', $nf);
		for (1 .. ($nf == 0xffff ? 0 : $nf))
		{
			my $field = recv_field(chance(0.9) ? $format : pick('vector', 'halfvec'));
			my $len = wpick(
				20 => length $field, 1 => length($field) + 4, 1 => length($field) - 1,
				1 => 0, 1 => 2, 1 => 3, 1 => -1, 1 => 0x7fffffff, 1 => 0x80000000);
			$bytes .= pack('N', $len & 0xffffffff) . $field;
		}
	}
	$bytes .= pack('n', 0xffff) if chance(0.9);
	$bytes .= pick('x', "\0\0", pack('n', 1)) if chance(0.05);
	$bytes = substr($bytes, 0, rnd(length $bytes)) if chance(0.05);
	return $bytes;
}

# $ctx: the campaign's output directory (dir), its files (files: path =>
# bytes) and the number of the unit being generated (unit)
sub fam_binary_copy
{
	my ($ctx) = @_;
	my ($table, $col, $format) = @{ pick(@copy_targets) };
	my $path = sprintf('%s/fz_%06d.bin', $ctx->{dir}, $ctx->{unit});
	$ctx->{files}{$path} = copy_file(chance(0.9) ? $format : pick('vector', 'halfvec'), 1);
	return ("COPY $table ($col) FROM " . lit($path) . " WITH (FORMAT binary)",
		($table =~ /^fz_c/ ? "SELECT count(fz_check($col)) FROM $table" : ()));
}

1;
