# Statement families of the SQL fuzzer (test/fuzz/sqlfuzz.pl): functions and
# aggregates.
#
# It generates calls of every function and operator of vector and halfvec
# (also under each hannoy.kernels setting), of the avg() state functions
# (accum, combine, avg) with forged states, and of the aggregates over sets:
# avg, sum, the fixtures' aggregates with forged initial states, window and
# parallel plans.  Each fam_* returns one statement or a list.
package SqlFuzz::Functions;

use strict;
use warnings;

use Exporter 'import';
use SqlFuzz::Random;
use SqlFuzz::Values;

our @EXPORT = qw(fam_function fam_kernels fam_agg_state fam_aggregate
  fam_parallel_agg);

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
# Family: avg() state functions called with forged states (see state_expr)
# --------------------------------------------------------------------------

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

1;
