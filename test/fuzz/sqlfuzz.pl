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
# This file is the entry point: the family table, the campaign loop and the
# script mode.  The generators live in modules next to it (test/fuzz/SqlFuzz/,
# found through this file's own directory):
#   Random.pm     the seeded xorshift64 generator and picking helpers
#   Values.pm     edge-value pools, vector text, vector expressions, avg()
#                 states, binary element bits
#   Fixtures.pm   setup_sql() and the fixture tables the generators use
#   TypeInput.pm  families: text input, typmods, array casts, binary COPY
#   Functions.pm  families: functions and operators, kernels, avg() states,
#                 aggregates, parallel aggregates
#   Index.pm      families: index DDL, settings, scans, DML, maintenance
#
# As a library:  require 'test/fuzz/sqlfuzz.pl';
#   SqlFuzz::setup_sql()       fixture tables, indexes, aggregates, fz_check()
#   SqlFuzz::generate(seed => S, inputs => N, dir => D)
#     -> { units => [ { n, family, sql } ... ], files => { path => bytes } }
#   Every statement of unit n starts with the tag /*fz:n*/; binary COPY
#   files (to be written by the caller, see write_files) live in D.
#   SqlFuzz::families()        the family names
#   SqlFuzz::psql_prologue()   the header of every psql script of a campaign
# As a script, to look at or replay a campaign by hand:
#   perl test/fuzz/sqlfuzz.pl [--seed S] [--inputs N] [--dir D]
#   writes D/setup.sql, D/campaign.sql and the COPY files; then
#   psql -X -f D/setup.sql && psql -X -f D/campaign.sql
package SqlFuzz;

use strict;
use warnings;

use Cwd ();
use File::Basename ();
use lib File::Basename::dirname(Cwd::abs_path(__FILE__));

use SqlFuzz::Random qw(seed_rng wpick);
use SqlFuzz::Fixtures qw(setup_sql);
use SqlFuzz::TypeInput;
use SqlFuzz::Functions;
use SqlFuzz::Index;

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
	# what the generators may need of the campaign (fam_binary_copy: where
	# its files go, and the unit number in their names)
	my $ctx = { dir => $o{dir} // '/tmp', files => {}, unit => undef };
	my @weighted = map { ($families{$_}[0] => $_) } sort keys %families;
	my @units;
	for my $n (1 .. ($o{inputs} // 20000))
	{
		$ctx->{unit} = $n;
		my $family = wpick(@weighted);
		my @stmts = $families{$family}[1]->($ctx);
		push @units, {
			n => $n,
			family => $family,
			# text COPY carries its data and ends with \. instead of ;
			sql => join("\n", map { /\n\\\.\z/ ? "/*fz:$n*/ $_" : "/*fz:$n*/ $_;" } @stmts) };
	}
	return { units => \@units, files => $ctx->{files} };
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
