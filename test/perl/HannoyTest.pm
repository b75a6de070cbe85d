# Helpers shared by hannoy's TAP tests (test/t/*.pl).
package HannoyTest;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;

our @EXPORT = qw(hannoy_node sqlstate_of data_dir read_bytes read_fvecs vector_literal
  copy_vectors load_queries recall_at_10 uses_index pgbench_script);

# A started node with hannoy created in the postgres database (unless
# no_extension => 1).  Other options go to Cluster->init; conf => text is
# appended to postgresql.conf.
sub hannoy_node
{
	my ($name, %opts) = @_;
	my $no_extension = delete $opts{no_extension};
	my $conf = delete $opts{conf} // '';
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(%opts);
	$node->append_conf('postgresql.conf', "shared_buffers = 128MB\n$conf\n");
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION hannoy')
	  unless $no_extension;
	return $node;
}

# Runs SQL that should fail; returns its SQLSTATE, 'ok' if it succeeded.
sub sqlstate_of
{
	my ($node, $sql, $db) = @_;
	my ($ret, $out, $err) =
	  $node->psql($db // 'postgres', "\\set VERBOSITY verbose\n$sql");
	return 'ok' if $ret == 0;
	return $1 if $err =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return "no SQLSTATE in: $err";
}

# Folder of the shared datasets (SIFT10K), set by test/run.
sub data_dir
{
	return $ENV{HANNOY_DATA_DIR} // '../shared/data';
}

# A whole file's bytes.
sub read_bytes
{
	my ($path) = @_;
	open my $fh, '<:raw', $path or die "open $path: $!";
	local $/;
	my $bytes = <$fh>;
	close $fh;
	return $bytes;
}

# The vectors of an .fvecs file, as array refs.
sub read_fvecs
{
	my ($path) = @_;
	my $bytes = read_bytes($path);
	my @vectors;
	my $off = 0;
	while ($off < length $bytes)
	{
		my $d = unpack('l<', substr($bytes, $off, 4));
		push @vectors, [ unpack("f<$d", substr($bytes, $off + 4, 4 * $d)) ];
		$off += 4 + 4 * $d;
	}
	return \@vectors;
}

sub vector_literal
{
	my ($v) = @_;
	return '[' . join(',', @$v) . ']';
}

# COPY rows (id, vector) for ids first .. first+count-1 into table.
sub copy_vectors
{
	my ($node, $table, $vectors, $first, $count) = @_;
	my $path = PostgreSQL::Test::Utils::tempdir() . "/$table-$first.tsv";
	open my $fh, '>', $path or die "open $path: $!";
	for my $i ($first .. $first + $count - 1)
	{
		print $fh "$i\t" . vector_literal($vectors->[$i]) . "\n";
	}
	close $fh;
	$node->safe_psql('postgres', "COPY $table (id, v) FROM '$path'");
}

# (Re)create table queries (qid, v type) holding the query vectors.
sub load_queries
{
	my ($node, $queries, $type) = @_;
	$node->safe_psql('postgres', "DROP TABLE IF EXISTS queries; CREATE TABLE queries (qid int, v $type)");
	my $path = PostgreSQL::Test::Utils::tempdir() . "/queries.tsv";
	open my $fh, '>', $path or die "open $path: $!";
	print $fh "$_\t" . vector_literal($queries->[$_]) . "\n" for 0 .. $#$queries;
	close $fh;
	$node->safe_psql('postgres', "COPY queries FROM '$path'");
}

# recall@10 of index scans over table against an exact scan, for the
# query vectors in table queries (qid, v).
sub recall_at_10
{
	my ($node, $table, $op, %opts) = @_;
	my $settings = $opts{settings} // '';
	return $node->safe_psql('postgres', qq{
		SET enable_indexscan = off;
		SET enable_bitmapscan = off;
		CREATE TEMP TABLE truth AS
		  SELECT q.qid, s.id FROM queries q
		  CROSS JOIN LATERAL (SELECT id FROM $table ORDER BY v $op q.v LIMIT 10) s;
		RESET enable_indexscan;
		RESET enable_bitmapscan;
		SET enable_seqscan = off;
		$settings;
		SELECT round(count(*)::numeric / (SELECT count(*) FROM truth), 3)
		  FROM queries q
		  CROSS JOIN LATERAL (SELECT id FROM $table ORDER BY v $op q.v LIMIT 10) s
		  JOIN truth t ON t.qid = q.qid AND t.id = s.id;
	});
}

# A pgbench script file holding sql, in a temporary folder; returns its path.
sub pgbench_script
{
	my ($name, $sql) = @_;
	my $path = PostgreSQL::Test::Utils::tempdir() . "/$name";
	open my $fh, '>', $path or die "open $path: $!";
	print $fh $sql;
	close $fh;
	return $path;
}

# Whether the ordered scan of table uses a hannoy index.
sub uses_index
{
	my ($node, $table, $op) = @_;
	my $plan = $node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		EXPLAIN SELECT id FROM $table ORDER BY v $op (SELECT v FROM queries LIMIT 1) LIMIT 10});
	return $plan =~ /Index Scan using/;
}

1;
