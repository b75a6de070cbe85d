# Statement families of the SQL fuzzer (test/fuzz/sqlfuzz.pl): indexes.
#
# It generates what exercises hannoy as an index access method on the
# fixture tables: index DDL (options, operator classes, expression and
# partial indexes, spilling and parallel builds, ALTER, REINDEX, DROP),
# settings (hannoy.* and planner GUCs), index scans in many query shapes
# under extreme settings, inserts, updates, deletes and text COPY of odd
# vectors into indexed tables, and maintenance and inspection (VACUUM,
# REINDEX, CLUSTER, hannoy_verify, hannoy_metapage_info).  Each fam_*
# returns one statement or a list.
package SqlFuzz::Index;

use strict;
use warnings;

use Exporter 'import';
use SqlFuzz::Fixtures qw(table_info indexed_tables);
use SqlFuzz::Random;
use SqlFuzz::Values;

our @EXPORT = qw(fam_index_ddl fam_setting fam_scan fam_dml fam_maintenance);

# A query vector: usually of the given type and dimension, sometimes of the
# other type or dimension, NULL, zero or at the float limits.
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
		1 => "(SELECT " . table_info('fz_v3')->[0] . " FROM fz_v3 WHERE id = " . between(1, 400) . ")",
		1 => "NULL");
}

# A LIMIT clause: small, zero, huge, NULL, ALL, none, or with an OFFSET.
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
	my $table = pick(indexed_tables());
	my ($col, $type, $dim, $ops) = @{ table_info($table) };
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
	my $table = pick(indexed_tables(), 'fz_n', 'fz_n');
	my ($col, $type, $dim) = @{ table_info($table) };
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
	my $table = pick(indexed_tables());
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

1;
