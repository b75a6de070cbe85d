# Values for the SQL fuzzer (test/fuzz/sqlfuzz.pl).
#
# It generates the values the statement families share, drawn from pools of
# edge values: dimensions, float4 and binary16 elements, integers for int
# arguments; SQL string literals; well-formed and malformed vector text;
# expressions of type vector or halfvec (literals, array casts, nested
# function calls, stored vectors); avg() transition states (float8[]),
# well-formed or forged; and the raw float4 / binary16 element bits of
# binary COPY payloads.
package SqlFuzz::Values;

use strict;
use warnings;

use Exporter 'import';
use SqlFuzz::Random;

our @EXPORT = qw(lit dim rand_float float_elem half_elem elem_for int_edge
  vec_text vexpr maybe_other_dim bad_token bad_vec_text state_expr
  float4_bits half_bits);

# A SQL string literal.
sub lit { my ($s) = @_; $s =~ s/'/''/g; return "'$s'" }

# --------------------------------------------------------------------------
# Shared pools of edge values
# --------------------------------------------------------------------------

# Dimensions: SIMD block edges, page-size limits (2037 fp32, 4074 fp16),
# the type limit (16000) and beyond.
sub dim
{
	return wpick(
		3 => 1, 3 => 2, 12 => 3, 3 => 4, 3 => 5, 2 => 7, 3 => 8, 2 => 9,
		2 => 15, 2 => 16, 2 => 17, 1 => 31, 1 => 32, 1 => 33, 1 => 63,
		1 => 64, 1 => 65, 0.5 => 100, 0.3 => 2037, 0.3 => 2038,
		0.2 => 4074, 0.2 => 4075, 0.2 => 16000, 0.2 => 16001, 0.3 => 0);
}

# float4 elements that are valid text: zeros, denormals, the float4 and
# binary16 limits, values that round across them.
my @float_edges = qw(0 -0 1 -1 2 0.5 -0.5 3 0.1 1e-45 1.4e-45 -1.4e-45 1e-40
  1.17549435e-38 -1.17549435e-38 3.4028235e38 -3.4028235e38 3.4028234e38
  1e38 -1e38 1e20 1e-20 65504 -65504 65505 65519 65520 -65520 6e-8 5.96e-8
  2.98e-8 6.1e-5 1e-8 1e10 16777217 123456789 0.000001 1.5 -2.25 100 1000);

# what halfvec holds comfortably
my @half_edges = qw(0 -0 1 -1 2 0.5 0.1 65504 -65504 65503 6e-8 5.96e-8 6.1e-5
  6.104e-5 1e-9 1000 2048 2049 -3.5 0.333 100 -100 60000);

sub rand_float
{
	my $e = between(-40, 38);
	my $m = frac() * 2 - 1;
	return sprintf('%.*g', between(1, 9), $m * 10**$e);
}

sub float_elem
{
	return chance(0.6) ? pick(@float_edges) : rand_float();
}

sub half_elem
{
	return chance(0.6) ? pick(@half_edges) : sprintf('%.4g', frac() * 200 - 100);
}

sub elem_for { return $_[0] eq 'halfvec' ? half_elem() : float_elem() }

# Integers handed to int arguments (subvector, typmods, casts' typmod).
sub int_edge
{
	return wpick(
		3 => 0, 4 => 1, 3 => -1, 3 => 2, 3 => 3, 2 => 4, 1 => 5,
		1 => 16000, 1 => 16001, 1 => 15999, 1 => 2037, 1 => 4074,
		1 => 32767, 1 => 32768, 1 => -32768, 1 => 65535, 1 => 65536,
		1 => 100000, 1 => 2147483647, 1 => 2147483646, 1 => -2147483647,
		1 => '(-2147483647 - 1)', 1 => 'NULL::int', 3 => between(-20, 40));
}

# --------------------------------------------------------------------------
# Vector-valued expressions
# --------------------------------------------------------------------------

# A well-formed text literal of dim elements.
sub vec_text
{
	my ($type, $dim) = @_;
	return '[' . join(',', map { elem_for($type) } 1 .. $dim) . ']';
}

# An expression of the given type (vector or halfvec) that is meant to have
# dim dimensions; depth bounds the nesting.
sub vexpr
{
	my ($type, $dim, $depth) = @_;
	$depth //= 0;
	my $other = $type eq 'vector' ? 'halfvec' : 'vector';

	# big vectors stay short in the SQL text
	if ($dim > 70)
	{
		return wpick(
			3 => "array_fill(" . pick(qw(1 0 -1 0.5 65504 1e-45 3e38)) . "::real, ARRAY[$dim])::$type",
			2 => "(SELECT array_agg(g::real / 7) FROM generate_series(1, $dim) g)::$type",
			1 => "(SELECT array_agg(sin(g)) FROM generate_series(1, $dim) g)::$type");
	}
	my $kind = $depth > 1 ? 'text' : wpick(
		10 => 'text', 3 => 'array', 1 => 'null', 1 => 'zero', 1 => 'sub',
		1 => 'norm', 1 => 'arith', 1 => 'cross', 1 => 'column');
	if ($kind eq 'text')
	{
		return lit(vec_text($type, $dim)) . "::$type";
	}
	elsif ($kind eq 'array')
	{
		my $et = pick(qw(int real float8 numeric));
		my @e = map { $et eq 'int' ? between(-1000, 1000) : elem_for($type) } 1 .. $dim;
		return "ARRAY[" . join(',', @e) . "]::${et}[]::$type";
	}
	elsif ($kind eq 'null') { return "NULL::$type" }
	elsif ($kind eq 'zero')
	{
		return lit('[' . join(',', ('0') x ($dim || 1)) . ']') . "::$type";
	}
	elsif ($kind eq 'sub')
	{
		my $extra = between(0, 3);
		return "subvector(" . vexpr($type, $dim + $extra, $depth + 1) . ", "
		  . ($extra ? between(1, $extra + 1) : 1) . ", $dim)";
	}
	elsif ($kind eq 'norm')
	{
		return "l2_normalize(" . vexpr($type, $dim, $depth + 1) . ")";
	}
	elsif ($kind eq 'arith')
	{
		return "(" . vexpr($type, $dim, $depth + 1) . ' ' . pick('+', '-', '*') . ' '
		  . vexpr($type, $dim, $depth + 1) . ")";
	}
	elsif ($kind eq 'cross')
	{
		return "(" . vexpr($other, $dim, $depth + 1) . ")::$type";
	}
	else
	{
		# a stored vector: the fixtures hold 3 (fz_v3), 5 (fz_h), 17 (fz_v)
		return wpick(
			1 => "(SELECT v FROM fz_v3 WHERE id = " . between(1, 400) . ")::$type",
			1 => "(SELECT h FROM fz_h WHERE id = " . between(1, 400) . ")::$type",
			1 => "(SELECT v FROM fz_v WHERE id = " . between(1, 400) . ")::$type");
	}
}

# Usually dim, sometimes a different dimension (mismatch on purpose).
sub maybe_other_dim
{
	my ($dim) = @_;
	return $dim if chance(0.75);
	return wpick(3 => $dim + 1, 2 => ($dim > 1 ? $dim - 1 : 2), 1 => dim() || 1);
}

# --------------------------------------------------------------------------
# Malformed vector text (for the text input and DML families)
# --------------------------------------------------------------------------

my @bad_tokens = (
	'NaN', 'nan', '-NaN', 'Infinity', '-Infinity', 'inf', '-inf', '+inf',
	'infinity', '1e39', '-1e39', '3.5e38', '1e-50', '-1e-50', '1e400', '1e-400',
	'0x10', '0x1p3', '0X1P-149', '1_000', '', ' ', '+', '-', '.', 'e', 'E5', '1e',
	'1e+', '1e-', '--1', '+-1', '1.2.3', '1..2', "\x{0661}", "\x{ff11}", "\x{a0}1",
	"\x{e9}", "\x{1F600}", "\t1", "1\n", "\r", "\x0b1", "\x0c", "\x01", "\x7f",
	'null', 'NULL', '"1"', "'1'", '\\', '\\x', '[', ']', '1]', '[1', '{', '}',
	'(', ')', ',', ';', 'true', '1 2', '1,', ' 1 ', '+1', '.5', '5.', '-.5e-3',
	'0.0000000000000000000000000000000000000000000001',
	'9' x 60, '0.' . ('0' x 300) . '1', '1' . ('0' x 40), '4' x 400,
	'1e2147483647', '1e-2147483648', '1e99999999999999999999');

sub bad_token { return pick(@bad_tokens) }

# A mutated or hand-made malformed literal.
sub bad_vec_text
{
	my ($type) = @_;
	my $d = between(1, 6);
	my @e = map { elem_for($type) } 1 .. $d;
	my $kind = wpick(
		6 => 'token', 3 => 'sep', 2 => 'bracket', 4 => 'mutate', 1 => 'empty',
		0.3 => 'long', 1 => 'nested', 1 => 'ws');
	if ($kind eq 'token')
	{
		$e[ rnd($d) ] = bad_token() for 1 .. between(1, 2);
		return '[' . join(',', @e) . ']';
	}
	elsif ($kind eq 'sep')
	{
		return '[' . join(pick(',', ', ', ' , ', ',,', ';', ' ', "\t", ":", '', "\n,"), @e) . ']';
	}
	elsif ($kind eq 'bracket')
	{
		my ($open, $close) = @{ pick([ '[', '' ], [ '', ']' ], [ '(', ')' ], [ '{', '}' ],
			[ '[[', ']]' ], [ '[', ']]' ], [ '[', '],' ], [ ' [', '] ' ], [ '[', '] x' ],
			[ '[', ']' . "\x{a0}" ], [ 'x[', ']' ], [ '[', '][' ], [ '[', '' ]) };
		return $open . join(',', @e) . $close;
	}
	elsif ($kind eq 'mutate')
	{
		my $s = '[' . join(',', @e) . ']';
		for (1 .. between(1, 3))
		{
			my $pos = rnd(length($s) + 1);
			my $op = rnd(4);
			if ($op == 0) { substr($s, $pos, 1, '') if $pos < length $s }    # delete
			elsif ($op == 1) { substr($s, $pos, 0, pick(split //, "[],.-+eE0 9\t")) }    # insert
			elsif ($op == 2) { $s = substr($s, 0, $pos) }                      # truncate
			else { substr($s, $pos, 0, substr($s, 0, $pos)) }                    # duplicate
		}
		return $s;
	}
	elsif ($kind eq 'empty')
	{
		return pick('', '[]', '[ ]', ' ', '[,]', '[,', ',]', "[\t]", '[' . (' ' x 1000) . ']');
	}
	elsif ($kind eq 'long')
	{
		return wpick(
			1 => '[' . join(',', ('1') x pick(16000, 16001, 20000, 40000)) . ']',
			1 => '[' . ('9' x pick(1000, 100000)) . ']',
			1 => '[' . ('1' . ('0' x 38)) . ',' . ('0.' . ('0' x 50000) . '1') . ']',
			1 => '[' . (' ' x 100000) . '1]',
			1 => '[1' . (',1' x 70000),
			1 => '[' . join(',', map { rand_float() } 1 .. 3000) . ']');
	}
	elsif ($kind eq 'nested')
	{
		my $n = pick(2, 10, 1000);
		return ('[' x $n) . '1' . (']' x $n);
	}
	else
	{
		my $ws = pick(' ', "\t", "\n", "\r\n", "\x0b", "\x0c", "\x{a0}", "\x{2003}");
		return $ws . '[' . $ws . join($ws . ',' . $ws, @e) . $ws . ']' . $ws;
	}
}

# --------------------------------------------------------------------------
# avg() transition states: float8[] of the count, then one sum per
# dimension; well-formed, forged, or built by the state functions
# --------------------------------------------------------------------------

sub state_expr
{
	my ($dim, $depth) = @_;
	$depth //= 0;
	my $n = $dim + 1;
	my $kind = wpick(
		4 => 'good', 6 => 'literal', 3 => 'nullfill', 2 => 'fill', 1 => 'cast',
		1 => 'agg', ($depth < 2 ? (2 => 'accum', 2 => 'combine') : ()), 1 => 'null');
	if ($kind eq 'good')
	{
		return lit('{' . join(',', pick(0, 1, 2, 3, 1000), map { float_elem() } 1 .. $dim) . '}')
		  . '::float8[]';
	}
	elsif ($kind eq 'literal')
	{
		return lit(pick('{}', '{0}', '{1}', '{-1}', '{0,0,0,0}', '{1,2,3,4}',
				'{-1,1,2,3}', '{0,1,2,3}', '{NaN,1,2,3}', '{Infinity,1,2,3}',
				'{-Infinity,1,2,3}', '{1,NaN,2,3}', '{1,Infinity,-Infinity,3}',
				'{1e308,1e308,1e308,1e308}', '{1e-320,1,2,3}', '{-0,1,2,3}',
				'{1,NULL,3,4}', '{NULL}', '{NULL,1,2,3}', '{1,2,3,NULL}',
				'{NULL,NULL}', '{{1,2},{3,4}}', '{{0}}', '{{1,2,3,4}}',
				'{{1},{2},{3},{4}}', '[0:3]={1,2,3,4}', '[-5:-2]={1,2,3,4}',
				'[2:2]={0}', '[2147483647:2147483647]={1}', '{2,1e39}',
				'{4.9e-324,1,1,1}', '{1,3.4028235e38,3.4028235e38,3.4028235e38}'))
		  . '::float8[]';
	}
	elsif ($kind eq 'nullfill')
	{
		return "(ARRAY[" . pick(0, 1, 2, -1, "'NaN'") . "::float8] || array_fill(NULL::float8, ARRAY["
		  . pick($dim, 1, 3, 16000, 16001, 40001, 1000000) . "]))";
	}
	elsif ($kind eq 'fill')
	{
		return "array_fill(" . pick(0, 1, -1, 2, "'NaN'", "'Infinity'", '1e308', '1e-300')
		  . "::float8, ARRAY[" . pick($n, $n, 2, 16001, 16002, 40001, 1000000) . "]"
		  . (chance(0.2) ? ", ARRAY[" . pick(0, -1, 5) . "]" : '') . ")";
	}
	elsif ($kind eq 'cast')
	{
		return pick("ARRAY[1, 2, 3, 4]::int[]::float8[]", "'{1,2,3,4}'::real[]::float8[]",
			"'{1,2,3,4}'::numeric[]::float8[]", "'{1,2,3,4}'::text[]::float8[]",
			"ARRAY[1, 2, 3]::float8[]", "'{{1,2},{3,4}}'::int[]::float8[]",
			"'{1,2,3,4}'::vector::real[]::float8[]");
	}
	elsif ($kind eq 'agg')
	{
		return "(SELECT array_agg(g::float8) FROM generate_series(1, "
		  . pick($n, $n, 1, 16001, 16002, 40001) . ") g)";
	}
	elsif ($kind eq 'accum')
	{
		my $type = pick('vector', 'halfvec');
		return "${type}_accum(" . state_expr($dim, $depth + 1) . ", "
		  . vexpr($type, maybe_other_dim($dim), 1) . ")";
	}
	elsif ($kind eq 'combine')
	{
		return pick('vector', 'halfvec') . "_combine(" . state_expr($dim, $depth + 1) . ", "
		  . state_expr(maybe_other_dim($dim), $depth + 1) . ")";
	}
	return "NULL::float8[]";
}

# --------------------------------------------------------------------------
# Element bits for binary COPY (vector_recv / halfvec_recv)
# --------------------------------------------------------------------------

sub float4_bits
{
	return wpick(
		6 => pack('f>', pick(@float_edges)), 2 => pack('f>', rand_float()),
		1 => pack('N', 0x7fc00000), 1 => pack('N', 0x7f800001), 1 => pack('N', 0xffc00000),
		1 => pack('N', 0x7f800000), 1 => pack('N', 0xff800000), 1 => pack('N', 0x00000001),
		1 => pack('N', 0x80000000), 1 => pack('N', 0x7f7fffff), 1 => pack('N', 0x477fe000),
		1 => pack('N', 0x477ff000), 1 => pack('N', next_u64() & 0xffffffff));
}

sub half_bits
{
	return wpick(
		4 => pack('n', pick(0x3c00, 0xbc00, 0x0000, 0x4000, 0x3555)),
		1 => pack('n', 0x7c00), 1 => pack('n', 0xfc00), 1 => pack('n', 0x7e00),
		1 => pack('n', 0x7c01), 1 => pack('n', 0x0001), 1 => pack('n', 0x8000),
		1 => pack('n', 0x7bff), 1 => pack('n', 0xfbff), 1 => pack('n', 0x03ff),
		1 => pack('n', next_u64() & 0xffff));
}

1;
