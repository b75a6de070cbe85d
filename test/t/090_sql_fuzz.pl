# SQL fuzzing campaign: tens of thousands of malformed and adversarial
# statements from test/fuzz/sqlfuzz.pl (text and binary input, array casts,
# typmods, every function and operator, forged avg() states, index options,
# scans under extreme settings, odd inserts) go through psql against one
# node.  Errors with user-facing SQLSTATEs are the expected outcome; the
# test fails on a backend crash, an internal error (XX000), a corruption
# report (XX001/XX002) or a vector result with NaN, infinite elements or
# dimensions outside 1..16000 (the fixtures' fz_check(), FZ001), naming the
# statements that caused them; and when an index fails hannoy_verify() or a
# stored vector fails fz_check() after the campaign.
#
# Seeded: HANNOY_FUZZ_SEED (default below) and HANNOY_FUZZ_INPUTS (default
# 30000) pick the campaign; the same pair replays the same statements, also
# by hand: perl test/fuzz/sqlfuzz.pl --seed S --inputs N --dir D.
#
# The statements go through psql in chunks without ON_ERROR_STOP, with
# VERBOSITY verbose (every error shows its SQLSTATE) and ECHO queries
# (every statement is echoed, with its /*fz:N*/ tag, before it runs; errors
# follow the statement they belong to).  When a backend crashes psql loses
# its connection and exits: the last echoed tag names the statement, the
# server restarts (restart_after_crash), and the campaign resumes after it.
use strict;
use warnings;

use FindBin;
use IPC::Run;
use List::Util qw(min);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use HannoyTest;

require "$FindBin::RealBin/../fuzz/sqlfuzz.pl";

my $seed = $ENV{HANNOY_FUZZ_SEED} // 90210;
my $inputs = $ENV{HANNOY_FUZZ_INPUTS} // 30000;
my $chunk_size = 2500;     # units per psql run
my $max_crashes = $ENV{HANNOY_FUZZ_MAX_CRASHES} // 25;    # then stop
diag("SQL fuzz: seed $seed, $inputs inputs"
	  . " (override with HANNOY_FUZZ_SEED, HANNOY_FUZZ_INPUTS)");

my $node = hannoy_node('fuzz',
	extra => [ '--encoding=UTF8', '--locale=C' ],
	conf => join("\n",
		'autovacuum = off',             # the same campaign, the same work
		"statement_timeout = '3s'",     # bounds any slow input (57014)
		'restart_after_crash = on',
		'jit = off',    # enable_seqscan = off costs would JIT-compile every scan
		'log_min_error_statement = panic',    # psql's output names them
		'log_statement = ddl',
		'max_parallel_maintenance_workers = 0',
		'max_worker_processes = 4'));
$node->safe_psql('postgres', "SET statement_timeout = 0;\n" . SqlFuzz::setup_sql());

my $dir = PostgreSQL::Test::Utils::tempdir();
my $t0 = time;
my $campaign = SqlFuzz::generate(seed => $seed, inputs => $inputs, dir => $dir);
SqlFuzz::write_files($campaign->{files});
my @units = @{ $campaign->{units} };
note(sprintf('generated %d units in %.1f s', scalar @units, time - $t0));

# --- run -------------------------------------------------------------------

my $log_start = -s $node->logfile;
my %histogram;          # SQLSTATE => count, plus 'ok'
my @errors;             # [ unit number, SQLSTATE, message ]
my @crashes;            # { n, alone }
my %notices;            # NOTICE and WARNING messages, numbers blanked out
my ($statements, $next, $chunk_no) = (0, 0, 0);
$t0 = time;

while ($next < @units)
{
	my $last = min($next + $chunk_size, scalar @units) - 1;
	my $file = "$dir/chunk" . $chunk_no++ . ".sql";
	open my $fh, '>:utf8', $file or die "open $file: $!";
	print $fh SqlFuzz::psql_prologue(), map { "$_->{sql}\n" } @units[ $next .. $last ];
	close $fh;

	my $out = "$file.out";
	IPC::Run::run([ 'psql', '-X', '-q', '-d', $node->connstr('postgres'), '-f', $file ],
		'<', \undef, '>&', $out, IPC::Run::timeout(900));
	my $rc = $? >> 8;

	# statements (echoed with their tag) and the errors after each
	my ($tag, $lost) = (undef, 0);
	open my $in, '<:utf8', $out or die "open $out: $!";
	while (my $line = <$in>)
	{
		if ($line =~ m{^/\*fz:(\d+)\*/})
		{
			$tag = $1;
			$statements++;
			$histogram{ok}++;
		}
		elsif ($line =~ /(?:ERROR|FATAL|PANIC):  ([0-9A-Z]{5}): (.*)/)
		{
			$histogram{$1}++;
			$histogram{ok}-- if defined $tag;
			push @errors, [ $tag // 0, $1, $2 ];
		}
		elsif ($line =~ /(?:NOTICE|WARNING):  ([0-9A-Z]{5}: .*)/)
		{
			$notices{ $1 =~ s/\d+/N/gr }++;
		}
		elsif ($line =~ /connection to server was lost|server closed the connection unexpectedly/)
		{
			$lost = 1;
		}
	}
	close $in;

	if (!$lost && $rc == 0)
	{
		$next = $last + 1;
		next;
	}
	# a crash: the last statement echoed is the one that was running
	die "psql failed (exit $rc) without a crash; see $out\n" unless $lost && defined $tag;
	$histogram{ok}--;
	$histogram{crash}++;
	push @crashes, { n => $tag };
	$node->poll_query_until('postgres', 'SELECT true')
	  or die "the server did not come back after the crash in unit $tag\n";
	if (@crashes >= $max_crashes)
	{
		diag("stopping after $max_crashes crashes, at unit $tag of " . scalar @units);
		$next = @units;
		last;
	}
	$next = $tag;    # units are numbered from 1: index $tag is the next one
}
my $ran = @crashes >= $max_crashes ? $crashes[-1]{n} : scalar @units;
my $elapsed = time - $t0;

# --- report ----------------------------------------------------------------

my %unit_by_no = map { ($_->{n} => $_) } @units;
sub shown
{
	my ($n, $message) = @_;
	my $sql = $unit_by_no{$n}{sql} // "(unknown unit $n)";
	$sql = substr($sql, 0, 600) . sprintf('... (%d characters)', length $sql)
	  if length $sql > 650;
	$sql =~ s/\n/\n    /g;
	return "unit $n ($unit_by_no{$n}{family})" . ($message ? ": $message" : '') . ":\n    $sql";
}

diag(sprintf('%d units (%d statements) in %.1f s; SQLSTATEs: %s',
	$ran, $statements, $elapsed,
	join(' ', map { "$_=$histogram{$_}" }
		  sort { $histogram{$b} <=> $histogram{$a} || $a cmp $b } keys %histogram)));

note("notices and warnings:\n" . join("\n",
		map { "  $notices{$_} x $_" } sort { $notices{$b} <=> $notices{$a} } keys %notices));

# what the server log says about crashed processes, any process
my $log = slurp_file($node->logfile, $log_start);
my @log_crashes = $log =~ /^.*(?:terminated by signal|was terminated by exception|PANIC:).*$/mg;
my @log_running = $log =~ /^.*DETAIL:  Failed process was running: (.{0,200})/mg;

# each crash once more on its own, in a fresh session: does it reproduce?
my %seen;
for my $c (grep { !$seen{ $_->{n} }++ } @crashes[ 0 .. min($#crashes, 4) ])
{
	my $before = () = slurp_file($node->logfile) =~ /terminated by signal/g;
	$node->psql('postgres', $unit_by_no{ $c->{n} }{sql});
	$node->poll_query_until('postgres', 'SELECT true');
	my $after = () = slurp_file($node->logfile) =~ /terminated by signal/g;
	$c->{alone} = $after > $before ? 'yes' : 'no';
}

is(scalar @crashes, 0, 'no backend crashed during the campaign')
  or diag(join("\n", map {
		"crash in " . shown($_->{n})
		  . ($_->{alone} ? "\n    reproduces alone in a fresh session: $_->{alone}" : '')
	} @crashes));
is(scalar @log_crashes, 0, 'the server log shows no process terminated by a signal or PANIC')
  or diag(join("\n", @log_crashes[ 0 .. min($#log_crashes, 9) ],
		map { "  was running: $_" } @log_running[ 0 .. min($#log_running, 9) ]));

# internal errors, corruption reports and broken results, grouped by message
for my $check ([ 'XX000', 'no internal error (XX000)' ],
	[ 'XX001|XX002', 'no data corruption report (XX001, XX002)' ],
	[ 'FZ001', 'no vector result with NaN, infinite elements or dimensions outside 1..16000'
		  . ' (fz_check, FZ001)' ])
{
	my ($states, $name) = @$check;
	my @bad = grep { $_->[1] =~ /^(?:$states)$/ } @errors;
	my %by_message;    # long numbers (sizes, OIDs, file names) blanked out
	push @{ $by_message{ "$_->[1]: " . ($_->[2] =~ s/\d{3,}/N/gr) } }, $_ for @bad;
	my @groups = sort { @{ $by_message{$b} } <=> @{ $by_message{$a} } || $a cmp $b }
	  keys %by_message;
	is(scalar @bad, 0, $name) or diag(join("\n", (map {
		my @e = @{ $by_message{$_} };
		sprintf("%s  (%d times), e.g.\n  %s", $_, scalar @e,
			join("\n  ", map { shown($_->[0], "$_->[1]: $_->[2]") } @e[ 0 .. min($#e, 2) ]))
	} @groups[ 0 .. min($#groups, 11) ]),
		(@groups > 12 ? sprintf('... and %d more kinds', @groups - 12) : ())));
}

is($ran, scalar @units, "the campaign ran all $inputs inputs");

# the fuzzer reaches hannoy's code rather than stopping at the parser
my $syntax = $histogram{'42601'} // 0;
cmp_ok($syntax, '<', 0.02 * $statements, "few statements are SQL syntax errors ($syntax)");
cmp_ok($histogram{ok} // 0, '>', 0.25 * $statements,
	'a good share of the statements succeed (' . ($histogram{ok} // 0) . ')');
my %families = map { ($_->{family} => 1) } @units;
SKIP:
{
	skip 'too few inputs to expect every family', 1 if $inputs < 10000;
	is_deeply([ sort keys %families ], [ SqlFuzz::families() ],
		'every input family was generated');
}

# whatever the campaign did to them, the indexes still verify
# (invalid ones, left by a failed CREATE INDEX CONCURRENTLY, were never built)
my @indexes = split /\n/, $node->safe_psql('postgres', q{
	SELECT c.relname FROM pg_class c JOIN pg_am a ON a.oid = c.relam
	  JOIN pg_index i ON i.indexrelid = c.oid
	 WHERE a.amname = 'hannoy' AND i.indisvalid ORDER BY 1});
my @unverified;
for my $ix (@indexes)
{
	my ($rc, $out, $err) = $node->psql('postgres',
		"SELECT pg_relation_filepath('$ix'), pg_get_indexdef('$ix'::regclass); SELECT hannoy_verify('$ix')");
	push @unverified, "$ix: $out: $err" if $rc != 0;
	note("$ix: $out");
}
is(scalar @unverified, 0,
	'every hannoy index (' . scalar @indexes . ') verifies after the campaign')
  or diag(join("\n", @unverified));

# and every vector the campaign stored passes the same check as results
my @columns = split /\n/, $node->safe_psql('postgres', q{
	SELECT attrelid::regclass || '.' || attname FROM pg_attribute
	 WHERE attrelid IN (SELECT oid FROM pg_class WHERE relkind = 'r' AND relname LIKE 'fz%')
	   AND atttypid IN ('vector'::regtype, 'halfvec'::regtype) AND NOT attisdropped
	 ORDER BY 1});
my @invalid;
for my $c (@columns)
{
	my ($table, $col) = split /\./, $c;
	my ($rc, $out, $err) = $node->psql('postgres',
		"SET statement_timeout = 0; SELECT count(fz_check($col)) FROM $table");
	push @invalid, "$c: $err" if $rc != 0;
}
is(scalar @invalid, 0, 'every stored vector is valid (' . scalar @columns . ' columns)')
  or diag(join("\n", @invalid));

$node->stop;
done_testing();
