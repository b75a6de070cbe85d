# Migration from pgvector (README.md, "Migrating from pgvector"): a real
# pg_dump of a pgvector 0.8.1 database (test/data/pgvector_0.8.1.sql and
# .dump; test/data/README has the commands that made them) restored into a
# server with hannoy and hannoy_pgvector and no pgvector.  Checks the
# restore's errors (the CREATE EXTENSION vector line, its comment, the
# ivfflat index), the data (vector, halfvec, sparsevec), that the hnsw
# indexes are hannoy's (hannoy_metapage_info, hannoy_verify, the metapage on
# disk, options), that queries use them and match exact scans, the hnsw.*
# settings (set before the library is loaded too, and which one wins over
# hannoy.*), ivfflat's hint, pg_restore of the custom format, a dump of the
# restored database, and DROP EXTENSION hannoy_pgvector.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $data = "$ENV{TESTDIR}/data";
my $tmp = PostgreSQL::Test::Utils::tempdir();
my $node = hannoy_node('pgvector', no_extension => 1);
my @conn = ('-h', $node->host, '-p', $node->port);

# The dump gives its objects to the role postgres.
$node->safe_psql('postgres', q{DO $$ BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres') THEN CREATE ROLE postgres; END IF;
	END $$});

# Runs a command; returns its exit code, stdout and stderr.
sub run
{
	my ($stdout, $stderr) = ('', '');
	IPC::Run::run(\@_, '>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $stdout, $stderr);
}

sub errors_of
{
	my ($stderr) = @_;
	return join("\n", sort map { /ERROR:\s+(.*)$/ ? $1 : () } split /\n/, $stderr);
}

sub prepared_db
{
	my ($db) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION hannoy; CREATE EXTENSION hannoy_pgvector');
}

# --- the plain dump, restored with psql -----------------------------------
prepared_db('app');
my ($rc, $out, $err) = run('psql', @conn, '-X', '-q', '-d', 'app', '-f', "$data/pgvector_0.8.1.sql");
my @expected_errors = (
	'extension "vector" does not exist',
	'extension "vector" is not available',
	'hannoy does not provide ivfflat indexes');
is(errors_of($err), join("\n", sort @expected_errors),
	'psql -f: errors only for CREATE EXTENSION vector, its comment and the ivfflat index');
like($err, qr/HINT:  Create the index with USING hnsw or USING hannoy/, "the ivfflat error's hint");

# --- the data --------------------------------------------------------------
is($node->safe_psql('app', q{SELECT count(*), count(embedding), md5(string_agg(id || ' ' || category
	|| ' ' || coalesce(embedding::text, 'null') || ' ' || half::text, ',' ORDER BY id)) FROM items}),
	'500|499|e675da6013404df029919c4728391470', "every row, as pgvector printed them (md5 of the text forms)");
is($node->safe_psql('app', q{SELECT id, category, embedding, half FROM items WHERE id IN (1, 77, 500) ORDER BY id}),
	"1|1|[0.668,0.628,-0.868,-0.352,0.98,0.039,-0.993,0.278]|[0.6699219,-0.6298828,-0.8598633,0.36010742]\n"
	  . "77|0||[0.18005371,-1,0.05999756,0.97998047]\n"
	  . "500|3|[0.88,-0.009,-0.871,0.851,0.048,-0.898,0.819,0.106]|[-0.6699219,-0.25,0.9399414,-0.7998047]",
	'rows 1, 77 (NULL vector) and 500');
is($node->safe_psql('app', q{SELECT string_agg(round(norm::numeric, 6)::text, ',' ORDER BY id)
	FROM item_norms WHERE id IN (1, 500)}), '1.934733,1.935982', "the view on pgvector's functions");
my $sparse_md5 = q{SELECT count(sparse) || ' ' || md5(string_agg(id || ' ' || coalesce(sparse::text, 'null'), ','
	ORDER BY id)) FROM items};
is($node->safe_psql('app', $sparse_md5), '499 2f67031fe420126f40d3b8e2b3636f92',
	'the sparsevec column, as pgvector printed it (md5 of the text forms)');
is($node->safe_psql('app', q{SELECT id, sparse FROM items WHERE id IN (1, 91, 92, 500) ORDER BY id}),
	"1|{4:0.941,205:0.298,406:-0.966}/1000\n91|\n92|{}/1000\n500|{1:-0.38,201:-0.013}/1000",
	'sparsevec rows 1, 91 (NULL), 92 (no non-zero element) and 500');
# pgvector's exact 10 nearest (id:distance) to one sparse vector, by L2 and cosine
foreach my $case ([ '<->', '140:0.265979,380:0.273914,160:0.570284,360:0.663001,120:0.686630,'
		  . '400:0.851630,130:0.876870,370:1.013862,100:1.079724,92:1.118034' ],
	[ '<=>', '140:0.025259,380:0.030033,160:0.139635,360:0.189263,120:0.190635,'
		  . '130:0.218425,370:0.303679,400:0.308963,150:0.316912,390:0.367505' ])
{
	my ($op, $want) = @$case;
	is($node->safe_psql('app', qq{SET enable_indexscan = off;
		SELECT string_agg(id || ':' || round(d::numeric, 6), ',' ORDER BY d, id)
		FROM (SELECT id, sparse $op '{1:1,201:0.5}/1000' d FROM items ORDER BY 2, 1 LIMIT 10) s}),
		$want, "sparse $op: the exact 10 nearest and their distances are pgvector's");
}

# --- the indexes ---------------------------------------------------------
my $index_list = q{SELECT string_agg(c.relname || ':' || a.amname, ',' ORDER BY c.relname)
	FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
	WHERE i.indrelid = 'items'::regclass};
my $hnsw_indexes = join(',', map { "$_:hnsw" }
	  qw(items_embedding_bits items_embedding_cos items_embedding_half items_embedding_l2 items_half_l1));
my $all_indexes = "items_category:btree,$hnsw_indexes,items_pkey:btree,items_recent_ip:hnsw,"
  . 'items_sparse_cos:hnsw,items_sparse_l2:hnsw';
is($node->safe_psql('app', $index_list), $all_indexes, 'the hnsw and btree indexes, no ivfflat');
is($node->safe_psql('app', q{SELECT amname || ' ' || amhandler FROM pg_am WHERE amname IN ('hnsw', 'ivfflat') ORDER BY 1}),
	"hnsw hannoy_pgvector_hnsw_handler\nivfflat hannoy_pgvector_ivfflat_handler",
	"hannoy_pgvector's access methods");
is($node->safe_psql('app', q{SELECT count(*) || ' ' || bool_and(amvalidate(o.oid))
	FROM pg_opclass o JOIN pg_am a ON a.oid = o.opcmethod WHERE a.amname = 'hnsw'}),
	'14 true', "pgvector's hnsw operator classes (vector, halfvec, bit, sparsevec), valid for hannoy's amvalidate");

# hannoy_metapage_info and hannoy_verify take the hnsw indexes: hannoy's
# metapage ("HNNY"), the dimensions and options of pgvector's index, and a
# graph whose invariants hold, with the metapage's element count.
foreach my $case ([ 'items_embedding_l2', 8, 8, 32, 'fp32' ], [ 'items_embedding_cos', 8, 16, 64, 'fp32' ],
	[ 'items_embedding_half', 8, 12, 64, 'fp16' ], [ 'items_half_l1', 4, 16, 64, 'fp16' ],
	[ 'items_recent_ip', 8, 16, 64, 'fp32' ], [ 'items_embedding_bits', 8, 16, 64, 'bit' ],
	[ 'items_sparse_l2', 1000, 8, 40, 'sparse' ], [ 'items_sparse_cos', 1000, 16, 64, 'sparse' ])
{
	my ($index, @want) = @$case;
	is($node->safe_psql('app', qq{SELECT magic, dimensions, m, ef_construction, storage,
		elements > 0 AND hannoy_verify('$index') = elements FROM hannoy_metapage_info('$index')}),
		join('|', '484E4E59', @want, 't'),
		"$index: hannoy_metapage_info (dimensions $want[0], m $want[1], ef_construction $want[2], $want[3]) and hannoy_verify");
}
is($node->safe_psql('app', q{SELECT (SELECT elements FROM hannoy_metapage_info('items_sparse_l2')) || ' '
	|| ((SELECT elements FROM hannoy_metapage_info('items_sparse_cos')) <= 498)}), '499 true',
	'items_sparse_l2 holds every non-NULL sparse vector (499); items_sparse_cos leaves the zero one out');
# and on disk (hannoy's layout: magic, version, dimensions, m, ef_construction)
$node->safe_psql('app', 'CHECKPOINT');
my $path = $node->data_dir . '/' . $node->safe_psql('app', "SELECT pg_relation_filepath('items_sparse_l2')");
my ($magic, $version, @got) = unpack('L< L< S< S< S<', substr(read_bytes($path), 24, 14));
is(sprintf('%08X %s', $magic, join(' ', @got)), '484E4E59 1000 8 40', 'items_sparse_l2: the metapage in the file');

# --- queries ---------------------------------------------------------------
my @queries = ('[0.5,0,0,0,0,0,0,0]', map {
	$node->safe_psql('app', "SELECT embedding FROM items WHERE id = $_") } (1, 123, 456));
sub top
{
	my ($db, $settings, $sql) = @_;
	return $node->safe_psql($db, "$settings; SELECT string_agg(id::text, ',') FROM ($sql) s");
}
foreach my $case ([ '<->', 'items_embedding_l2' ], [ '<=>', 'items_embedding_cos' ])
{
	my ($op, $index) = @$case;
	my $sql = "SELECT id FROM items ORDER BY embedding $op '$queries[0]' LIMIT 10";
	like($node->safe_psql('app', "SET enable_seqscan = off; EXPLAIN (COSTS OFF) $sql"),
		qr/Index Scan using $index on items/, "ORDER BY embedding $op q LIMIT 10 uses $index");
	my ($same, $n) = (0, 0);
	foreach my $q (@queries)
	{
		my $q_sql = "SELECT id FROM items ORDER BY embedding $op '$q' LIMIT 10";
		my $exact = top('app', 'SET enable_indexscan = off', $q_sql);
		my $index_rows = top('app', 'SET enable_seqscan = off; SET hnsw.ef_search = 200', $q_sql);
		$n++;
		$same++ if $index_rows eq $exact && $exact =~ /^(\d+,){9}\d+$/;
	}
	is("$same/$n", "$n/$n", "$op: the index's 10 rows at hnsw.ef_search 200 are the exact ones");
}
# sparsevec: distances compared (rows at equal distances may come in either order)
my @sparse_queries = ('{1:1,201:0.5}/1000', map {
	$node->safe_psql('app', "SELECT sparse FROM items WHERE id = $_") } (1, 123, 456));
foreach my $case ([ '<->', 'items_sparse_l2' ], [ '<=>', 'items_sparse_cos' ])
{
	my ($op, $index) = @$case;
	like($node->safe_psql('app', "SET enable_seqscan = off; EXPLAIN (COSTS OFF)
		SELECT id FROM items ORDER BY sparse $op '$sparse_queries[0]' LIMIT 10"),
		qr/Index Scan using $index on items/, "ORDER BY sparse $op q LIMIT 10 uses $index");
	my ($same, $n) = (0, 0);
	foreach my $q (@sparse_queries)
	{
		my $d_sql = "SELECT string_agg(d::text, ',') FROM (SELECT round((sparse $op '$q')::numeric, 6) AS d
			FROM items ORDER BY sparse $op '$q' LIMIT 10) s";
		my $exact = $node->safe_psql('app', "SET enable_indexscan = off; $d_sql");
		my $index_d = $node->safe_psql('app', "SET enable_seqscan = off; SET hnsw.ef_search = 200; $d_sql");
		$n++;
		$same++ if $index_d eq $exact && $exact =~ /^([0-9.]+,){9}[0-9.]+$/;
	}
	is("$same/$n", "$n/$n", "sparse $op: the index's 10 distances at hnsw.ef_search 200 are the exact ones");
}
like($node->safe_psql('app', "SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off;
	EXPLAIN (COSTS OFF) SELECT id FROM items WHERE id > 250 ORDER BY embedding <#> '$queries[0]' LIMIT 5"),
	qr/Index Scan using items_recent_ip/, 'the partial index answers its WHERE');
like($node->safe_psql('app', "SET enable_seqscan = off; EXPLAIN (COSTS OFF)
	SELECT id FROM items ORDER BY embedding::halfvec(8) <-> '$queries[1]'::halfvec(8) LIMIT 5"),
	qr/Index Scan using items_embedding_half/, 'the expression index (halfvec cast)');
my $half_sql = "SELECT id, round((half <+> '[1,0,0,-1]')::numeric, 5) AS d FROM items ORDER BY half <+> '[1,0,0,-1]' LIMIT 5";
like($node->safe_psql('app', "SET enable_seqscan = off; EXPLAIN (COSTS OFF) $half_sql"),
	qr/Index Scan using items_half_l1/, 'the halfvec L1 index');
is($node->safe_psql('app', "SET enable_seqscan = off; SELECT string_agg(d::text, ',') FROM ($half_sql) s"),
	$node->safe_psql('app', "SET enable_indexscan = off; SELECT string_agg(d::text, ',') FROM ($half_sql) s"),
	'it gives the exact 5 nearest distances');
like($node->safe_psql('app', "SET enable_seqscan = off; EXPLAIN (COSTS OFF)
	SELECT id FROM items ORDER BY binary_quantize(embedding)::bit(8) <~> B'10101010' LIMIT 5"),
	qr/Index Scan using items_embedding_bits/, 'the bit index (hamming, on binary_quantize)');
my $bit_sql = "SELECT binary_quantize(embedding)::bit(8) <~> B'10101010' AS d FROM items
	ORDER BY binary_quantize(embedding)::bit(8) <~> B'10101010' LIMIT 20";
is($node->safe_psql('app', "SET enable_seqscan = off; SELECT string_agg(d::text, ',') FROM ($bit_sql) s"),
	$node->safe_psql('app', "SET enable_indexscan = off; SELECT string_agg(d::text, ',') FROM ($bit_sql) s"),
	'it gives the exact 20 nearest distances');

# --- the hnsw.* settings -------------------------------------------------------
my $q = "SELECT id FROM items ORDER BY embedding <-> '$queries[0]'";
sub rows
{
	my ($db, $settings, $limit) = @_;
	return $node->safe_psql($db, "SET enable_seqscan = off; $settings
		SELECT count(*) FROM ($q LIMIT $limit) s");
}
is(rows('app', 'SET hnsw.iterative_scan = off; SET hnsw.ef_search = 1;', 10), '1',
	'hnsw.ef_search = 1 with hnsw.iterative_scan = off: LIMIT 10 returns 1 row');
is(rows('app', 'SET hnsw.iterative_scan = off; SET hnsw.ef_search = 200;', 10), '10', 'hnsw.ef_search = 200: 10 rows');
is(rows('app', 'SET hnsw.iterative_scan = off; SET hnsw.ef_search = 5;', 30), '5',
	'hnsw.iterative_scan = off: LIMIT 30 returns ef_search (5) rows');
is(rows('app', 'SET hnsw.iterative_scan = strict_order; SET hnsw.ef_search = 5;', 30), '30', 'strict_order: 30 rows');
is(rows('app', 'SET hnsw.iterative_scan = relaxed_order; SET hnsw.ef_search = 5;', 30), '30', 'relaxed_order: 30 rows');
my $few = rows('app', 'SET hnsw.ef_search = 5; SET hnsw.max_scan_tuples = 1;', 100);
ok($few > 0 && $few < 100, "hnsw.max_scan_tuples = 1 stops an iterative scan early ($few of 100 rows)");
is(rows('app', 'SET hnsw.ef_search = 5; SET hnsw.scan_mem_multiplier = 3;', 100), '100',
	'hnsw.scan_mem_multiplier is accepted; without max_scan_tuples the scan returns 100 rows');

# Not set: hannoy.* applies; set: hnsw.* wins, on hnsw indexes only.
is(rows('app', 'SET hannoy.iterative_scan = off; SET hannoy.ef_search = 3;', 10), '3',
	'hnsw.* not set: hannoy.ef_search and hannoy.iterative_scan apply to hnsw indexes');
is(rows('app', 'SET hannoy.iterative_scan = off; SET hannoy.ef_search = 3; SET hnsw.ef_search = 6;', 10), '6',
	'both set: hnsw.ef_search wins on an hnsw index');
is($node->safe_psql('app', q{LOAD 'hannoy_pgvector'; SET hannoy.ef_search = 3; SELECT current_setting('hnsw.ef_search');
	SET hnsw.ef_search = 6; SELECT current_setting('hnsw.ef_search');
	BEGIN; SET LOCAL hnsw.ef_search = 7; SELECT current_setting('hnsw.ef_search'); ROLLBACK;
	SELECT current_setting('hnsw.ef_search'); RESET hnsw.ef_search; SELECT current_setting('hnsw.ef_search');
	SHOW hnsw.iterative_scan}),
	"3\n6\n7\n6\n3\nstrict_order", 'SHOW hnsw.ef_search: the value hnsw indexes use (hannoy.ef_search when not set)');
$node->safe_psql('app', q{CREATE TABLE plain AS SELECT * FROM items;
	CREATE INDEX plain_embedding ON plain USING hannoy (embedding vector_l2_ops)});
is($node->safe_psql('app', qq{SET enable_seqscan = off; SET hannoy.iterative_scan = off;
	SET hannoy.ef_search = 3; SET hnsw.iterative_scan = strict_order; SET hnsw.ef_search = 6;
	SELECT count(*) FROM (SELECT id FROM plain ORDER BY embedding <-> '$queries[0]' LIMIT 10) s}),
	'3', 'hnsw.* does not touch a USING hannoy index');

# Set before the library is loaded (a placeholder): adopted when it loads.
is($node->safe_psql('app', qq{SET hnsw.ef_search = 1; SET hnsw.iterative_scan = off;
	SELECT count(*) FROM pg_settings WHERE name LIKE 'hnsw.%';
	SET enable_seqscan = off;
	SELECT count(*) FROM ($q LIMIT 10) s;
	SELECT count(*) FROM pg_settings WHERE name LIKE 'hnsw.%'}),
	"0\n1\n4", 'a fresh session: SET hnsw.* before hannoy_pgvector is loaded still applies');
$node->safe_psql('postgres', q{ALTER DATABASE app SET hnsw.ef_search = 2; ALTER DATABASE app SET hnsw.iterative_scan = 'off'});
is(rows('app', '', 10), '2', 'ALTER DATABASE ... SET hnsw.ef_search applies in new sessions');
$node->safe_psql('postgres', 'ALTER DATABASE app RESET ALL');
is(rows('app', '', 50), '50', 'without it, hannoy\'s defaults (strict_order)');

# --- ivfflat ---------------------------------------------------------------
($rc, $out, $err) = $node->psql('app', "\\set VERBOSITY verbose\n"
	  . 'CREATE INDEX ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 10)');
like($err, qr/ERROR:  0A000: hannoy does not provide ivfflat indexes.*HINT:  Create the index with USING hnsw or USING hannoy/s,
	'CREATE INDEX ... USING ivfflat: 0A000 with a hint');

# --- the custom format, with pg_restore --------------------------------------
prepared_db('app2');
($rc, $out, $err) = run('pg_restore', @conn, '-d', 'app2', "$data/pgvector_0.8.1.dump");
is("$rc " . errors_of($err), '1 ' . join("\n", sort @expected_errors),
	'pg_restore: the same errors, exit status 1');
prepared_db('app3');
($rc, $out, $err) = run('pg_restore', '-l', "$data/pgvector_0.8.1.dump");
my $list = "$tmp/pgvector.list";
append_to_file($list, join('', grep { !/EXTENSION (- )?vector *$/ && !/ items_embedding_ivf / } split /^/, $out));
($rc, $out, $err) = run('pg_restore', @conn, '-d', 'app3', '-L', $list, "$data/pgvector_0.8.1.dump");
is("$rc " . errors_of($err), '0 ',
	'pg_restore -L without the extension and ivfflat entries: no error');
foreach my $db ('app2', 'app3')
{
	is($node->safe_psql($db, q{SELECT md5(string_agg(id || ' ' || category || ' ' || coalesce(embedding::text, 'null')
		|| ' ' || half::text, ',' ORDER BY id)) FROM items}) . ' ' . $node->safe_psql($db, $sparse_md5)
		  . ' ' . $node->safe_psql($db, $index_list),
		"e675da6013404df029919c4728391470 499 2f67031fe420126f40d3b8e2b3636f92 $all_indexes",
		"$db: the same rows and indexes");
}

# --- a dump of the restored database restores as it is ------------------------
my $again = "$tmp/again.sql";
($rc, $out, $err) = run('pg_dump', @conn, '-d', 'app2', '-f', $again);
$node->safe_psql('postgres', 'CREATE DATABASE again');
($rc, $out, $err) = run('psql', @conn, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'again', '-f', $again);
is("$rc $err", '0 ', 'pg_dump of the restored database: restores with ON_ERROR_STOP (it creates both extensions)');
is($node->safe_psql('again', $index_list), $all_indexes, 'with its hnsw indexes');

# --- DROP EXTENSION hannoy_pgvector -------------------------------------------
is(sqlstate_of($node, 'DROP EXTENSION hannoy_pgvector', 'app'), '2BP01',
	'DROP EXTENSION hannoy_pgvector: refused while hnsw indexes exist');
$node->safe_psql('app', 'DROP EXTENSION hannoy_pgvector CASCADE');
is($node->safe_psql('app', $index_list . q{; SELECT count(*) FROM items;
	SELECT count(*) FROM pg_am WHERE amname IN ('hnsw', 'ivfflat')}),
	"items_category:btree,items_pkey:btree\n500\n0", 'CASCADE drops the hnsw indexes and keeps the table');
is($node->safe_psql('app', 'SET hnsw.ef_search = 5; SHOW hnsw.ef_search'), '5',
	'hnsw.ef_search is a placeholder again');
is(sqlstate_of($node, 'CREATE SCHEMA other; CREATE EXTENSION hannoy_pgvector SCHEMA other', 'app'), '3F000',
	"hannoy_pgvector only goes into hannoy's schema");
$node->safe_psql('app', 'CREATE EXTENSION hannoy_pgvector');
is($node->safe_psql('app', q{CREATE INDEX ON items USING hnsw (embedding vector_l2_ops);
	SELECT count(*) FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'hnsw'}),
	'1', 'installed again, it builds hnsw indexes');

$node->stop;
done_testing();
