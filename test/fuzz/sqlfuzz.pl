# Seeded generator of malformed and adversarial SQL for hannoy.
#
# It writes the statements of a fuzzing campaign: every way SQL can hand a
# value to hannoy's C code (text input, binary COPY, array casts, typmods,
# every function and operator, the avg() state functions called with forged
# states, index options and operator classes, scans under extreme settings,
# inserts of odd vectors into indexed tables), each drawn from pools of edge
# values and mutated at random.  The statements are expected to fail
# cleanly with a user-facing SQLSTATE or to succeed; a crash, an internal
# error (XX000), a corruption report (XX001/XX002) or a vector result with
# NaN, infinite elements or dimensions outside 1..16000 (caught by the
# fixtures' fz_check(), SQLSTATE FZ001) is a bug.
# test/t/090_sql_fuzz.pl runs a campaign and judges it.
#
# Same seed, same campaign: a small PRNG of its own (xorshift64) keeps the
# output independent of Perl's rand() and of whatever else calls it.
#
# As a library:  require 'test/fuzz/sqlfuzz.pl';
#   SqlFuzz::setup_sql()       fixture tables, indexes, aggregates, fz_check()
#   SqlFuzz::generate(seed => S, inputs => N, dir => D)
#     -> { units => [ { n, family, sql } ... ], files => { path => bytes } }
#   Every statement of unit n starts with the tag /*fz:n*/; binary COPY
#   files (to be written by the caller, see write_files) live in D.
# As a script, to look at or replay a campaign by hand:
#   perl test/fuzz/sqlfuzz.pl [--seed S] [--inputs N] [--dir D]
#   writes D/setup.sql, D/campaign.sql and the COPY files; then
#   psql -X -f D/setup.sql && psql -X -f D/campaign.sql
package SqlFuzz;

use strict;
use warnings;
no warnings qw(portable);

# --------------------------------------------------------------------------
# Randomness: xorshift64 on Perl's 64-bit unsigned integers.
# --------------------------------------------------------------------------

my $rng_state;

sub seed_rng
{
	my ($seed) = @_;
	$rng_state = ($seed ^ 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF;
	$rng_state = 0x2545F4914F6CDD1D if $rng_state == 0;
	next_u64() for 1 .. 8;
	return;
}

sub next_u64
{
	my $x = $rng_state;
	$x ^= ($x << 13) & 0xFFFFFFFFFFFFFFFF;
	$x ^= $x >> 7;
	$x ^= ($x << 17) & 0xFFFFFFFFFFFFFFFF;
	return $rng_state = $x;
}

sub rnd { return (next_u64() >> 11) % $_[0] }         # 0 .. n-1
sub frac { return (next_u64() >> 11) / 9007199254740992 }    # [0, 1)
sub chance { return frac() < $_[0] }
sub pick { return $_[ rnd(scalar @_) ] }
sub between { my ($lo, $hi) = @_; return $lo + rnd($hi - $lo + 1) }

# weighted pick: (weight => value, weight => value, ...)
sub wpick
{
	my @pairs = @_;
	my $total = 0;
	for (my $i = 0; $i < @pairs; $i += 2) { $total += $pairs[$i] }
	my $r = frac() * $total;
	for (my $i = 0; $i < @pairs; $i += 2)
	{
		return $pairs[ $i + 1 ] if ($r -= $pairs[$i]) < 0;
	}
	return $pairs[-1];
}

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
# Family: text input (vector_in / halfvec_in)
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
# Family: every function and operator
# --------------------------------------------------------------------------

my %binary_fns = (
	vector => [ qw(l2_distance vector_l2_squared_distance inner_product
		  vector_negative_inner_product cosine_distance l1_distance vector_add
		  vector_sub vector_mul vector_lt vector_le vector_eq vector_ne vector_ge
		  vector_gt vector_cmp) ],
	halfvec => [ qw(l2_distance halfvec_l2_squared_distance inner_product
		  halfvec_negative_inner_product cosine_distance l1_distance halfvec_add
		  halfvec_sub halfvec_mul halfvec_lt halfvec_le halfvec_eq halfvec_ne
		  halfvec_ge halfvec_gt halfvec_cmp) ]);
my @binary_ops = ('<->', '<#>', '<=>', '<+>', '+', '-', '*', '<', '<=', '=', '<>', '>=', '>');
my %unary_fns = (
	vector => [ qw(vector_dims vector_norm l2_normalize vector_out vector_send) ],
	halfvec => [ qw(vector_dims l2_norm l2_normalize halfvec_out halfvec_send) ]);

sub fam_function
{
	my $type = pick('vector', 'halfvec');
	my $d = dim() || 1;
	$d = 3 if $d > 70 && chance(0.7);
	my $va = vexpr($type, $d);
	my $vb = vexpr(chance(0.9) ? $type : pick('vector', 'halfvec'), maybe_other_dim($d));
	my $i = int_edge();
	my $j = int_edge();
	my $tf = pick('true', 'false');
	return wpick(
		6 => "SELECT " . pick(@{ $binary_fns{$type} }) . "($va, $vb)",
		6 => "SELECT $va " . pick(@binary_ops) . " $vb",
		4 => "SELECT " . pick(@{ $unary_fns{$type} }) . "($va)",
		3 => "SELECT subvector($va, $i, $j)",
		3 => "SELECT fz_check($va " . pick('+', '-', '*') . " $vb)",
		1 => "SELECT fz_check(l2_normalize($va)), fz_check(subvector($va, $i, $j))",
		1 => "SELECT fz_check(${va}::" . pick('vector', 'halfvec') . ")",
		1 => "SELECT ${va}::real[]",
		1 => "SELECT ${va}::" . pick('vector', 'halfvec') . '::' . pick('vector', 'halfvec'),
		1 => "SELECT vector(${va}::vector, $i, $tf)",
		1 => "SELECT halfvec(${va}::halfvec, $i, $tf)",
		1 => "SELECT vector_to_float4(${va}::vector, $i, $tf)",
		1 => "SELECT halfvec_to_float4(${va}::halfvec, $i, $tf)",
		1 => "SELECT vector_to_halfvec(${va}::vector, $i, $tf)",
		1 => "SELECT halfvec_to_vector(${va}::halfvec, $i, $tf)",
		1 => "SELECT vector_in(" . lit(vec_text('vector', $d)) . ", " . pick(0, 23, 'NULL') . ", $i)",
		1 => "SELECT halfvec_in(" . lit(vec_text('halfvec', $d)) . ", " . pick(0, 23, 'NULL') . ", $i)",
		1 => "SELECT $va " . pick(@binary_ops) . " $vb " . pick(@binary_ops) . ' ' . vexpr($type, $d),
		1 => "SELECT l2_normalize($va) <=> $vb, vector_dims($va - $vb)",
		1 => "SELECT v " . pick('<->', '<#>', '<=>', '<+>', '-', '<') . " $vb FROM (VALUES ($va)) t(v)",
		1 => "SELECT " . pick("vector_out(NULL)", "vector_typmod_in(NULL)",
				"vector_send('[1]'::vector)", "halfvec_send('[1]'::halfvec)",
				"${va}::text::$type", "${va}::text::$type = $va"),
		1 => "SELECT array_agg(x ORDER BY x) FROM (VALUES ($va), ($vb), ("
		  . vexpr($type, maybe_other_dim($d)) . ")) t(x)",
		1 => "SELECT DISTINCT x FROM (VALUES ($va), ($vb), ($va)) t(x)");
}

# With SET hannoy.kernels switched, the same kernels on odd lengths.
sub fam_kernels
{
	my $k = pick('auto', 'avx2', 'avx512', 'portable');
	my $type = pick('vector', 'halfvec');
	my $d = pick(1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 16000);
	my $op = pick('<->', '<#>', '<=>', '<+>');
	return ("SET hannoy.kernels = '$k'",
		"SELECT " . vexpr($type, $d) . " $op " . vexpr($type, $d),
		"RESET hannoy.kernels");
}

# --------------------------------------------------------------------------
# Family: avg() state functions called with forged states
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

sub fam_agg_state
{
	my $type = pick('vector', 'halfvec');
	my $d = pick(1, 2, 3, 3, 3, 4, 8, 17);
	return wpick(
		3 => "SELECT fz_check(${type}_avg(" . state_expr($d) . "))",
		1 => "SELECT ${type}_avg(" . state_expr($d) . ")",
		4 => "SELECT ${type}_accum(" . state_expr($d) . ", " . vexpr($type, maybe_other_dim($d), 1) . ")",
		3 => "SELECT ${type}_combine(" . state_expr($d) . ", " . state_expr(maybe_other_dim($d)) . ")",
		2 => "SELECT fz_check(${type}_avg(${type}_combine(" . state_expr($d) . ", " . state_expr($d) . ")))",
		1 => "SELECT fz_check(${type}_avg(${type}_accum(" . state_expr($d) . ", " . vexpr($type, $d, 1) . ")))",
		1 => "SELECT fz_check(${type}_avg(s)) FROM (VALUES (" . state_expr($d) . "), (" . state_expr($d) . ")) t(s)",
		1 => "SELECT ${type}_accum(s, x) FROM (VALUES (" . state_expr($d) . ", "
		  . vexpr($type, $d, 1) . "), (" . state_expr($d) . ", " . vexpr($type, $d, 1) . ")) t(s, x)");
}

# --------------------------------------------------------------------------
# Family: aggregates over sets (avg, sum, the forged aggregates of the
# fixtures, parallel plans that use the combine functions)
# --------------------------------------------------------------------------

sub fam_aggregate
{
	my $type = pick('vector', 'halfvec');
	my $d = pick(1, 3, 3, 5, 17);
	my @rows = map { "(" . vexpr($type, chance(0.85) ? $d : maybe_other_dim($d), 1) . ")" } 1 .. between(1, 5);
	my $rows = join(', ', @rows);
	my $agg = pick('avg', 'sum');
	my $forged = pick(map { "fz_avg_$_" } 0 .. 7);
	return wpick(
		5 => "SELECT fz_check($agg(x)) FROM (VALUES $rows) t(x)",
		1 => "SELECT fz_check(avg(x)), fz_check(sum(x)) FROM (VALUES $rows) t(x) GROUP BY vector_dims(x)",
		2 => "SELECT fz_check($forged(x::vector)) FROM (VALUES $rows) t(x)",
		1 => "SELECT fz_check(fz_comb(s)) FROM (VALUES (" . state_expr($d) . "), (" . state_expr($d) . ")) t(s)",
		1 => "SELECT fz_check(fz_hcomb(s)) FROM (VALUES (" . state_expr($d) . "), (" . state_expr($d) . ")) t(s)",
		2 => "SELECT fz_check($agg(" . pick('v', 'v * v', 'l2_normalize(v)', 'v::halfvec') . ")) FROM fz_v3"
		  . (chance(0.5) ? " GROUP BY id % " . between(1, 7) : ''),
		1 => "SELECT $agg(h) FROM fz_h",
		1 => "SELECT $agg(v) FROM fz_n",
		1 => "SELECT fz_check($agg(x)) FROM (SELECT array_fill(" . pick('1e38', '3e38', '65504', '1')
		  . "::real, ARRAY[$d])::$type x FROM generate_series(1, " . pick(2, 10, 1000) . ")) s",
		1 => "SELECT $agg(x) OVER (ORDER BY n) FROM (VALUES " . join(', ', map { "($_, $rows[$_ - 1])" } 1 .. @rows)
		  . ") t(n, x)");
}

sub fam_parallel_agg
{
	return ("SET parallel_setup_cost = 0", "SET parallel_tuple_cost = 0",
		"SET min_parallel_table_scan_size = 0", "SET max_parallel_workers_per_gather = 2",
		"SELECT " . pick('avg(v)', 'sum(v)', 'avg(v::halfvec)', 'fz_avg_0(v)') . " FROM "
		  . pick('fz_v3', 'fz_big'),
		"RESET parallel_setup_cost", "RESET parallel_tuple_cost",
		"RESET min_parallel_table_scan_size", "RESET max_parallel_workers_per_gather");
}

# --------------------------------------------------------------------------
# Family: binary COPY (vector_recv / halfvec_recv)
# --------------------------------------------------------------------------

my @copy_targets = (
	[ 'fz_c1', 'v', 'vector' ], [ 'fz_c3', 'v', 'vector' ], [ 'fz_ch', 'h', 'halfvec' ],
	[ 'fz_ch3', 'h', 'halfvec' ], [ 'fz_v3', 'v', 'vector' ], [ 'fz_h', 'h', 'halfvec' ],
	[ 'fz_f', 'v', 'vector' ], [ 'fz_v', 'v', 'vector' ], [ 'fz_e', 'v', 'vector' ]);

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

my ($out_dir, $files, $unit_no);

sub fam_binary_copy
{
	my ($table, $col, $format) = @{ pick(@copy_targets) };
	my $path = sprintf('%s/fz_%06d.bin', $out_dir, $unit_no);
	$files->{$path} = copy_file(chance(0.9) ? $format : pick('vector', 'halfvec'), 1);
	return ("COPY $table ($col) FROM " . lit($path) . " WITH (FORMAT binary)",
		($table =~ /^fz_c/ ? "SELECT count(fz_check($col)) FROM $table" : ()));
}

# --------------------------------------------------------------------------
# Fixture tables: table => [ column, type, dims (undef: none), indexed ops ]
# --------------------------------------------------------------------------

my %tables = (
	fz_v3 => [ 'v', 'vector', 3, [ '<->', '<=>', '<+>' ] ],
	fz_v => [ 'v', 'vector', 17, ['<#>'] ],
	fz_h => [ 'h', 'halfvec', 5, [ '<->', '<+>' ] ],
	fz_hx => [ 'h', 'halfvec', 33, ['<=>'] ],
	fz_f => [ 'v', 'vector', 4, [ '<->', '<#>' ] ],
	fz_e => [ 'v', 'vector', 3, ['<->'] ],
	fz_t => [ 'v', 'vector', 3, [ '<->', '<+>' ] ],
	fz_big => [ 'v', 'vector', 4, ['<->'] ],
	fz_n => [ 'v', 'vector', undef, [] ]);
my @indexed = qw(fz_v3 fz_v3 fz_v3 fz_v fz_h fz_h fz_hx fz_f fz_f fz_e fz_t fz_big);

sub query_vector
{
	my ($type, $dim) = @_;
	return wpick(
		12 => vexpr($type, $dim),
		2 => vexpr($type, maybe_other_dim($dim) + 1),
		1 => "NULL::$type",
		1 => lit('[' . join(',', ('0') x $dim) . ']') . "::$type",
		1 => "array_fill(" . pick('3e38', '-3e38', '65504', '1e-45') . "::real, ARRAY[$dim])::$type",
		1 => vexpr($type eq 'vector' ? 'halfvec' : 'vector', $dim),
		1 => "(SELECT $tables{fz_v3}[0] FROM fz_v3 WHERE id = " . between(1, 400) . ")",
		1 => "NULL");
}

sub limit_clause
{
	return wpick(
		3 => ' LIMIT ' . pick(1, 3, 5, 10, 40, 41, 100), 1 => ' LIMIT 0', 1 => ' LIMIT 1000',
		1 => ' LIMIT 100000', 1 => ' LIMIT NULL', 1 => ' LIMIT ALL', 1 => '',
		1 => ' LIMIT 5 OFFSET ' . pick(1, 39, 40, 1000));
}

# --------------------------------------------------------------------------
# Family: index options and operator classes
# --------------------------------------------------------------------------

my @opclasses = qw(vector_l2_ops vector_ip_ops vector_cosine_ops vector_l1_ops
  halfvec_l2_ops halfvec_ip_ops halfvec_cosine_ops halfvec_l1_ops
  vector_l2_fp16_ops vector_ip_fp16_ops vector_cosine_fp16_ops);

sub reloption
{
	my $m = wpick(
		6 => pick(2, 3, 4, 8, 16, 32, 100), 1 => 1, 1 => 0, 1 => -1, 1 => 101,
		1 => 2147483647, 1 => 2147483648, 1 => "'16'", 1 => "'abc'", 1 => 1.5, 1 => "''");
	my $ef = wpick(
		6 => pick(4, 5, 8, 10, 64, 200), 1 => 3, 1 => 0, 1 => -1, 1 => 1000, 1 => 1001,
		1 => 2147483647, 1 => "'x'", 1 => 4.5);
	my @opts;
	push @opts, "m = $m" if chance(0.7);
	push @opts, "ef_construction = $ef" if chance(0.6);
	push @opts, pick('foo = 1', 'fillfactor = 50', 'M = 8', 'm', 'ef_construction',
		'"m" = 4', 'hannoy.m = 4', 'autosummarize = on') if chance(0.1);
	return @opts ? ' WITH (' . join(', ', @opts) . ')' : '';
}

sub index_target
{
	return wpick(
		5 => [ 'fz_v3', 'v', 'vector' ], 2 => [ 'fz_v', 'v', 'vector' ],
		3 => [ 'fz_h', 'h', 'halfvec' ], 1 => [ 'fz_hx', 'h', 'halfvec' ],
		2 => [ 'fz_f', 'v', 'vector' ], 1 => [ 'fz_n', 'v', 'vector' ],
		1 => [ 'fz_n', 'h', 'halfvec' ], 2 => [ 'fz_e', 'v', 'vector' ],
		1 => [ 'fz_n', 'id', 'int' ], 1 => [ 'fz_v3', '(v::halfvec)', 'halfvec' ],
		1 => [ 'fz_v3', '(subvector(v, 1, 2))', 'vector' ],
		1 => [ 'fz_v3', '(l2_normalize(v))', 'vector' ],
		1 => [ 'fz_big', 'v', 'vector' ]);
}

sub fam_index_ddl
{
	my $slot = 'fz_ix' . rnd(5);
	my ($table, $col, $type) = @{ index_target() };
	my @fitting = grep { /^$type/ } @opclasses;
	my $opclass = wpick(
		10 => (@fitting ? pick(@fitting) : ''),
		3 => '', 3 => pick(@opclasses), 1 => 'vector_ops', 1 => 'int4_ops',
		1 => 'fz_no_such_ops', 1 => 'halfvec_ops');
	my $colspec = $col . ($opclass ? " $opclass" : '')
	  . (chance(0.05) ? pick(' DESC', ' NULLS FIRST', ' COLLATE "C"', ' ASC') : '');
	$colspec .= ', id' if chance(0.03);
	my $create = "CREATE " . (chance(0.03) ? 'UNIQUE ' : '') . "INDEX "
	  . (chance(0.05) ? 'CONCURRENTLY ' : '') . "$slot ON $table USING hannoy ($colspec)"
	  . (chance(0.03) ? ' INCLUDE (id)' : '') . reloption()
	  . (chance(0.05) ? ' WHERE id % 2 = 0' : '');
	my @setup = chance(0.15)
	  ? ("SET maintenance_work_mem = '" . pick('64kB', '1MB', '4MB') . "'") : ();
	push @setup, "SET max_parallel_maintenance_workers = " . pick(0, 1, 2) if chance(0.1);
	my $kind = wpick(10 => 'create', 2 => 'alter', 1 => 'reindex', 1 => 'drop', 1 => 'big');
	if ($kind eq 'big')
	{
		# fz_big (>= 10000 rows): a build that spills out of
		# maintenance_work_mem, or one with parallel workers
		return ("SET maintenance_work_mem = '1MB'", "DROP INDEX IF EXISTS $slot",
			"CREATE INDEX $slot ON fz_big USING hannoy (v " . pick('vector_l2_ops', 'vector_cosine_ops',
				'vector_l2_fp16_ops') . ") WITH (m = " . pick(8, 16, 32) . ", ef_construction = 64)",
			"RESET maintenance_work_mem", "SELECT hannoy_verify('$slot')") if chance(0.5);
		return ("SET max_parallel_maintenance_workers = " . pick(1, 2), "DROP INDEX IF EXISTS $slot",
			"CREATE INDEX $slot ON fz_big USING hannoy (v " . pick('vector_l2_ops', 'vector_ip_ops',
				'vector_ip_fp16_ops') . ") WITH (m = " . pick(2, 4, 8, 16) . ", ef_construction = "
			  . pick(4, 16, 32, 64) . ")",
			"RESET max_parallel_maintenance_workers", "SELECT hannoy_verify('$slot')");
	}
	if ($kind eq 'alter')
	{
		my $ix = pick($slot, 'fz_v3_l2', 'fz_h_l2', 'fz_f_ip');
		return ("ALTER INDEX $ix " . pick('SET (m = ' . pick(2, 4, 50, 100, 101) . ')',
				'SET (ef_construction = ' . pick(4, 1000, 3) . ')', 'RESET (m)',
				'RESET (ef_construction)', 'SET (foo = 1)'));
	}
	return ("REINDEX INDEX " . (chance(0.3) ? 'CONCURRENTLY ' : '') . $slot) if $kind eq 'reindex';
	return ("DROP INDEX IF EXISTS $slot") if $kind eq 'drop';
	return (@setup, "DROP INDEX IF EXISTS $slot", $create,
		(@setup ? ('RESET maintenance_work_mem', 'RESET max_parallel_maintenance_workers') : ()),
		(chance(0.3) ? "SELECT hannoy_verify('$slot')" : ()));
}

# --------------------------------------------------------------------------
# Family: settings
# --------------------------------------------------------------------------

sub fam_setting
{
	return wpick(
		4 => "SET hannoy.ef_search = " . pick(-1, 0, 1, 2, 40, 1000, 1001, 2147483647, "'abc'", "''", '1.5'),
		3 => "SET hannoy.iterative_scan = " . pick('off', 'relaxed_order', 'strict_order', "'bogus'", '1', "''"),
		3 => "SET hannoy.max_scan_tuples = " . pick(-1, 0, 1, 2, 40, 20000, 2147483647),
		1 => "SET hannoy.kernels = " . pick("'auto'", "'avx2'", "'avx512'", "'portable'", "'scalar'"),
		1 => "SET hannoy.no_such_setting = 1",
		1 => "SELECT set_config('hannoy.ef_search', " . lit(pick(1, 1000, -5, 'x')) . ", " . pick('true', 'false') . ")",
		1 => "RESET hannoy." . pick('ef_search', 'iterative_scan', 'max_scan_tuples', 'kernels'),
		1 => "SET enable_seqscan = " . pick('on', 'off'),
		1 => "SET enable_indexscan = " . pick('on', 'off'),
		1 => "SHOW hannoy." . pick('ef_search', 'iterative_scan', 'max_scan_tuples', 'kernels'),
		0.3 => "DISCARD ALL");
}

# --------------------------------------------------------------------------
# Family: index scans
# --------------------------------------------------------------------------

sub fam_scan
{
	my $table = pick(@indexed);
	my ($col, $type, $dim, $ops) = @{ $tables{$table} };
	my $op = chance(0.9) && @$ops ? pick(@$ops) : pick('<->', '<#>', '<=>', '<+>');
	my $q = query_vector($type, $dim);
	my $where = wpick(
		6 => '', 1 => ' WHERE id % ' . between(2, 50) . ' = 0', 1 => ' WHERE id < ' . between(0, 20),
		1 => ' WHERE false', 1 => " WHERE $col IS NOT NULL");
	my $limit = limit_clause();
	my @pre;
	push @pre, "SET enable_seqscan = off" if chance(0.3);
	push @pre, "SET hannoy.iterative_scan = " . pick('off', 'relaxed_order', 'strict_order') if chance(0.2);
	push @pre, "SET hannoy.ef_search = " . pick(1, 2, 10, 40, 1000) if chance(0.2);
	push @pre, "SET hannoy.max_scan_tuples = " . pick(1, 2, 50, 20000) if chance(0.1);
	my $plain = "SELECT id FROM $table$where ORDER BY $col $op $q$limit";
	my @qs = map { "($_, " . query_vector($type, $dim) . ")" } 1 .. between(1, 4);
	my $kind = wpick(
		8 => 'plain', 2 => 'lateral', 1 => 'explain', 1 => 'count', 1 => 'prepared',
		1 => 'cursor', 1 => 'twokeys', 1 => 'distance', 1 => 'cte');
	return (@pre, $plain) if $kind eq 'plain';
	return (@pre, "SELECT q.n, (SELECT array_agg(id) FROM (SELECT id FROM $table t ORDER BY t.$col $op q.x$limit) s) FROM (VALUES "
		  . join(', ', @qs) . ") q(n, x)") if $kind eq 'lateral';
	return (@pre, "EXPLAIN (" . pick('COSTS OFF', 'ANALYZE, COSTS OFF, TIMING OFF') . ") $plain") if $kind eq 'explain';
	return (@pre, "SELECT count(*) FROM ($plain) s") if $kind eq 'count';
	return (@pre, "SELECT id, $col $op $q AS d FROM $table$where ORDER BY d$limit") if $kind eq 'distance';
	return (@pre, "WITH q AS (SELECT $q AS x) SELECT id FROM $table, q ORDER BY $col $op q.x$limit") if $kind eq 'cte';
	return (@pre, "SELECT id FROM $table ORDER BY $col $op $q, id$limit") if $kind eq 'twokeys';
	if ($kind eq 'prepared')
	{
		my @run = ("SET plan_cache_mode = " . pick('auto', 'force_generic_plan', 'force_custom_plan'),
			"PREPARE fz_p ($type, bigint) AS SELECT id FROM $table ORDER BY $col $op \$1 LIMIT \$2");
		push @run, "EXECUTE fz_p (" . query_vector($type, $dim) . ", " . pick(0, 1, 10, 'NULL', -1) . ")"
		  for 1 .. between(1, 7);
		return (@pre, @run, "DEALLOCATE fz_p", "RESET plan_cache_mode");
	}
	# a scroll cursor read both ways (the AM cannot scan backward)
	return (@pre, "BEGIN",
		"DECLARE fz_c " . pick('SCROLL ', 'NO SCROLL ', '') . "CURSOR FOR $plain",
		"FETCH " . pick(1, 5, 100, 'ALL') . " FROM fz_c",
		"FETCH " . pick('BACKWARD 2', 'PRIOR', 'FIRST', 'ABSOLUTE 3', 'RELATIVE -1', 'LAST', 'NEXT') . " FROM fz_c",
		"FETCH 3 FROM fz_c", "COMMIT");
}

# --------------------------------------------------------------------------
# Family: inserts, updates, deletes on indexed tables
# --------------------------------------------------------------------------

sub fam_dml
{
	my $table = pick(@indexed, 'fz_n', 'fz_n');
	my ($col, $type, $dim) = @{ $tables{$table} };
	$dim //= between(1, 5);
	my $odd = sub {
		return wpick(
			10 => vexpr($type, $dim), 2 => vexpr($type, maybe_other_dim($dim)),
			1 => 'NULL', 1 => lit('[' . join(',', ('0') x $dim) . ']'),
			1 => "array_fill(" . pick('3e38', '-3e38', '65504', '65505', '70000', '1e-45', '6e-8')
			  . "::real, ARRAY[$dim])::$type",
			1 => vexpr($type eq 'vector' ? 'halfvec' : 'vector', $dim),
			1 => lit(bad_vec_text($type)));
	};
	my $kind = wpick(
		8 => 'values', 3 => 'series', 2 => 'dups', 2 => 'update', 1 => 'delete', 1 => 'copytext');
	if ($kind eq 'values')
	{
		return "INSERT INTO $table ($col) VALUES " . join(', ', map { '(' . $odd->() . ')' } 1 .. between(1, 5));
	}
	elsif ($kind eq 'series')
	{
		my $k = between(1, 9);
		my $e = pick(
			"(SELECT array_agg(sin(g * k + $k)) FROM generate_series(1, $dim) k)::$type",
			"array_fill((g % $k)::real, ARRAY[$dim])::$type",
			"array_fill(g::real * " . pick('1e30', '1e-30', '1000', '-1') . ", ARRAY[$dim])::$type",
			"(SELECT array_agg(((g * 31 + k * 17) % 13)::real) FROM generate_series(1, $dim) k)::$type");
		return "INSERT INTO $table ($col) SELECT $e FROM generate_series(1, " . pick(1, 5, 20, 50) . ") g";
	}
	elsif ($kind eq 'dups')
	{
		return "INSERT INTO $table ($col) SELECT " . $odd->() . " FROM generate_series(1, " . pick(2, 3, 4, 7, 30) . ")";
	}
	elsif ($kind eq 'update')
	{
		return "UPDATE $table SET $col = " . $odd->() . " WHERE id " . pick('= ' . between(1, 500), '% 97 = ' . rnd(97));
	}
	elsif ($kind eq 'delete')
	{
		# fz_big keeps its 10000 rows: parallel builds need them
		return "DELETE FROM $table WHERE id " . pick('= ' . between(1, 500), '% 53 = ' . rnd(53), "> 2000")
		  . ($table eq 'fz_big' ? ' AND id > 10500' : '');
	}
	# text COPY: one line per literal, tabs/newlines/backslashes left out
	my @lines = map {
		my $s = chance(0.6) ? vec_text($type, $dim) : bad_vec_text($type);
		$s =~ s/[\t\n\r\\]//g;
		$s = '[1]' if $s eq '\\.' || $s eq '';
		$s
	} 1 .. between(1, 4);
	return "COPY $table ($col) FROM STDIN;\n" . join("\n", @lines) . "\n\\.";
}

# --------------------------------------------------------------------------
# Family: maintenance and inspection
# --------------------------------------------------------------------------

sub fam_maintenance
{
	my $table = pick(@indexed);
	my $rel = pick('fz_v3_l2', 'fz_v3_cos', 'fz_v3_l1', 'fz_v_ip', 'fz_h_l2', 'fz_h_l1',
		'fz_hx_cos', 'fz_f_l2', 'fz_f_ip', 'fz_e_l2', 'fz_t_l2', 'fz_t_l1', 'fz_big_l2',
		map({ "fz_ix$_" } 0 .. 4), 'fz_v3_pkey', 'fz_v3', 'fz_seq', 'fz_view',
		'fz_btree', 'pg_class', 'pg_class_oid_index', 'fz_no_such_index', 'fz_inv');
	# an index a failed CREATE INDEX CONCURRENTLY leaves behind: invalid,
	# never built
	return ("DROP INDEX IF EXISTS fz_inv",
		"CREATE INDEX CONCURRENTLY fz_inv ON fz_t USING hannoy (v) WITH (m = 32, ef_construction = 10)",
		"SELECT " . pick('hannoy_verify', '* FROM hannoy_metapage_info') . "('fz_inv')")
	  if chance(0.03);
	return wpick(
		3 => "SELECT hannoy_verify(" . lit($rel) . ")",
		3 => "SELECT * FROM hannoy_metapage_info(" . lit($rel) . ")",
		1 => "SELECT hannoy_verify(" . pick(0, 1, 1259, 2147483647, -1) . "::oid::regclass)",
		1 => "SELECT hannoy_metapage_info(" . pick(0, 1, 4294967295) . "::oid::regclass)",
		2 => "VACUUM " . pick('', '(INDEX_CLEANUP on) ', '(INDEX_CLEANUP off) ', 'FULL ') . $table,
		1 => "ANALYZE " . pick($table, 'fz_n'),
		1 => "REINDEX " . pick("INDEX $rel", "TABLE $table", "TABLE CONCURRENTLY $table"),
		1 => "CLUSTER $table USING " . pick('fz_v3_l2', 'fz_h_l2'),
		1 => "TRUNCATE " . pick('fz_c1', 'fz_c3', 'fz_ch', 'fz_ch3', 'fz_e', 'fz_n'),
		0.2 => "CHECKPOINT");
}

# --------------------------------------------------------------------------
# The campaign
# --------------------------------------------------------------------------

# family => [ weight, generator returning one statement or a list ]
my %families = (
	text_input => [ 15, \&fam_text_input ],
	typmod => [ 5, \&fam_typmod ],
	array_cast => [ 9, \&fam_array_cast ],
	function => [ 20, \&fam_function ],
	kernels => [ 2, \&fam_kernels ],
	agg_state => [ 10, \&fam_agg_state ],
	aggregate => [ 4, \&fam_aggregate ],
	parallel_agg => [ 0.3, \&fam_parallel_agg ],
	binary_copy => [ 5, \&fam_binary_copy ],
	index_ddl => [ 1.2, \&fam_index_ddl ],
	setting => [ 2, \&fam_setting ],
	scan => [ 9, \&fam_scan ],
	dml => [ 7, \&fam_dml ],
	maintenance => [ 1, \&fam_maintenance ]);

sub families { return sort keys %families }

sub generate
{
	my %o = @_;
	seed_rng($o{seed} // 1);
	$out_dir = $o{dir} // '/tmp';
	$files = {};
	my @weighted = map { ($families{$_}[0] => $_) } sort keys %families;
	my @units;
	for my $n (1 .. ($o{inputs} // 20000))
	{
		$unit_no = $n;
		my $family = wpick(@weighted);
		my @stmts = $families{$family}[1]->();
		push @units, {
			n => $unit_no,
			family => $family,
			# text COPY carries its data and ends with \. instead of ;
			sql => join("\n", map { /\n\\\.\z/ ? "/*fz:$unit_no*/ $_" : "/*fz:$unit_no*/ $_;" } @stmts) };
	}
	return { units => \@units, files => $files };
}

sub write_files
{
	my ($files) = @_;
	for my $path (sort keys %$files)
	{
		open my $fh, '>:raw', $path or die "open $path: $!";
		print $fh $files->{$path};
		close $fh;
	}
	return;
}

# Fixtures: small tables of every kind with their indexes, forged
# aggregates.  Deterministic (setseed).
sub setup_sql
{
	my $forged = join('', map {
		my ($i, $init) = ($_, ('{0}', '{}', '{{1,2},{3,4}}', '{1,NULL,2,3}', '{-1,0,0,0}',
				'{NaN,0,0,0}', '{0,0,0,0}', '{1e308,1e308,1e308,1e308}')[$_]);
		"CREATE AGGREGATE fz_avg_$i(vector) (SFUNC = vector_accum, STYPE = float8[],"
		  . " INITCOND = '$init', FINALFUNC = vector_avg, COMBINEFUNC = vector_combine,"
		  . " PARALLEL = SAFE);\n"
	} 0 .. 7);
	my $rows = sub {
		my ($dim, $n, $scale) = @_;
		return "SELECT (SELECT array_agg((random() * $scale)::real) FROM generate_series(1, $dim) "
		  . "WHERE g > 0) FROM generate_series(1, $n) g";
	};
	return <<"SQL";
SELECT setseed(0.42);
CREATE EXTENSION IF NOT EXISTS hannoy;
CREATE TABLE fz_v3 (id serial PRIMARY KEY, v vector(3));
INSERT INTO fz_v3 (v) @{[ $rows->(3, 400, 10) ]};
CREATE INDEX fz_v3_l2 ON fz_v3 USING hannoy (v vector_l2_ops);
CREATE INDEX fz_v3_cos ON fz_v3 USING hannoy (v vector_cosine_ops) WITH (m = 2, ef_construction = 4);
CREATE INDEX fz_v3_l1 ON fz_v3 USING hannoy (v vector_l1_ops);
CREATE TABLE fz_v (id serial PRIMARY KEY, v vector);
INSERT INTO fz_v (v) @{[ $rows->(17, 400, 2) ]};
CREATE INDEX fz_v_ip ON fz_v USING hannoy (v vector_ip_ops);
CREATE TABLE fz_h (id serial PRIMARY KEY, h halfvec(5));
INSERT INTO fz_h (h) @{[ $rows->(5, 400, 100) ]};
CREATE INDEX fz_h_l2 ON fz_h USING hannoy (h halfvec_l2_ops);
CREATE INDEX fz_h_l1 ON fz_h USING hannoy (h halfvec_l1_ops) WITH (m = 4);
CREATE TABLE fz_hx (id serial PRIMARY KEY, h halfvec);
INSERT INTO fz_hx (h) @{[ $rows->(33, 200, 1) ]};
CREATE INDEX fz_hx_cos ON fz_hx USING hannoy (h halfvec_cosine_ops);
CREATE TABLE fz_f (id serial PRIMARY KEY, v vector(4));
INSERT INTO fz_f (v) @{[ $rows->(4, 300, 60000) ]};
CREATE INDEX fz_f_l2 ON fz_f USING hannoy (v vector_l2_fp16_ops);
CREATE INDEX fz_f_ip ON fz_f USING hannoy (v vector_ip_fp16_ops);
CREATE TABLE fz_e (id serial PRIMARY KEY, v vector(3));
CREATE INDEX fz_e_l2 ON fz_e USING hannoy (v);
CREATE TABLE fz_t (id serial PRIMARY KEY, v vector(3));
INSERT INTO fz_t (v) @{[ $rows->(3, 50, 1) ]};
CREATE INDEX fz_t_l2 ON fz_t USING hannoy (v);
CREATE INDEX fz_t_l1 ON fz_t USING hannoy (v vector_l1_ops) WITH (m = 100, ef_construction = 1000);
CREATE TABLE fz_big (id serial PRIMARY KEY, v vector(4));
INSERT INTO fz_big (v) @{[ $rows->(4, 10500, 1) ]};
CREATE INDEX fz_big_l2 ON fz_big USING hannoy (v) WITH (m = 4, ef_construction = 8);
CREATE TABLE fz_n (id serial PRIMARY KEY, v vector, h halfvec);
INSERT INTO fz_n (v, h) SELECT ARRAY[g, -g]::vector, ARRAY[g, 2 * g, 0]::halfvec FROM generate_series(1, 50) g;
CREATE TABLE fz_c1 (v vector);
CREATE TABLE fz_c3 (v vector(3));
CREATE TABLE fz_ch (h halfvec);
CREATE TABLE fz_ch3 (h halfvec(3));
CREATE SEQUENCE fz_seq;
CREATE VIEW fz_view AS SELECT * FROM fz_v3;
CREATE INDEX fz_btree ON fz_n USING btree (v);
$forged
-- the oracle: a vector hannoy returns has 1 to 16000 finite elements
@{[ join('', map { <<"FN" } qw(vector halfvec)) ]}
CREATE FUNCTION fz_check(x $_) RETURNS $_ LANGUAGE plpgsql IMMUTABLE AS \$\$
DECLARE
	n int := vector_dims(x);
	bad int := 0;
BEGIN
	IF n BETWEEN 1 AND 16000 THEN
		SELECT count(*) INTO bad FROM unnest(x::real[]) e
		 WHERE e IN ('NaN', 'Infinity', '-Infinity');
	END IF;
	IF n NOT BETWEEN 1 AND 16000 OR bad > 0 THEN
		RAISE EXCEPTION 'invalid $_ from hannoy: % dimensions, % NaN or infinite elements',
			n, bad USING ERRCODE = 'FZ001';
	END IF;
	RETURN x;
END \$\$;
FN
CREATE AGGREGATE fz_comb(float8[]) (SFUNC = vector_combine, STYPE = float8[], INITCOND = '{0}',
	FINALFUNC = vector_avg);
CREATE AGGREGATE fz_hcomb(float8[]) (SFUNC = halfvec_combine, STYPE = float8[],
	FINALFUNC = halfvec_avg);
ANALYZE;
SQL
}

# The header of every psql script of a campaign.
sub psql_prologue
{
	return "\\set VERBOSITY verbose\n\\set ECHO queries\n\\o /dev/null\n";
}

# --- script mode --------------------------------------------------------
unless (caller)
{
	require Getopt::Long;
	my %opt = (seed => 1, inputs => 20000, dir => '.');
	Getopt::Long::GetOptions(\%opt, 'seed=i', 'inputs=i', 'dir=s')
	  or die "usage: $0 [--seed S] [--inputs N] [--dir D]\n";
	require Cwd;
	my $dir = Cwd::abs_path($opt{dir});
	my $c = generate(seed => $opt{seed}, inputs => $opt{inputs}, dir => $dir);
	write_files($c->{files});
	open my $fh, '>', "$dir/setup.sql" or die $!;
	print $fh setup_sql();
	close $fh;
	open $fh, '>', "$dir/campaign.sql" or die $!;
	binmode $fh, ':utf8';
	print $fh psql_prologue(), map { "$_->{sql}\n" } @{ $c->{units} };
	close $fh;
	print "seed $opt{seed}: $opt{inputs} inputs in $dir/campaign.sql (fixtures: $dir/setup.sql)\n";
}

1;
