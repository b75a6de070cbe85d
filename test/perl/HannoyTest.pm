# Helpers shared by hannoy's TAP tests (test/t/*.pl).
package HannoyTest;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;

our @EXPORT = qw(hannoy_node sqlstate_of data_dir);

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

1;
