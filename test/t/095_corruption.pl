# Corruption campaign: patch bytes of built hannoy indexes -- neighbour
# slots, element headers, split elements' vector items, the vector parts of
# vectors larger than a page, line pointers, the
# special space, page headers, the metapage, random bytes -- and require
# that hannoy_verify, ordered scans (iterative or not), INSERT and VACUUM
# never crash the server: each either answers plausibly or fails cleanly
# with SQLSTATE XX001 (data corrupted) or XX002 (index corrupted).  Any
# other SQLSTATE, a statement timeout or a backend crash fails the round,
# naming the seed, the round, the patch and the statement.  Besides:
#  - hannoy_verify must report a patch that certainly breaks an invariant
#    it checks (a link to a non-element, a bad heap TID count, ...);
#  - read-only scans must not extend the table or the index (reading block
#    InvalidBlockNumber, i.e. P_NEW, extends a relation);
#  - after a bad heap TID count, VACUUM must not count more index tuples
#    than the table has rows.
#
# Rounds are cheap: each cycle builds two copies of each kind of index (4-d,
# 784-d whose elements hardly fit a page, 96-d fp16 cosine, 5000-d whose
# vectors take three pages; builds split elements across pages in all of
# them), each on its own table so that an
# error names its index, stops the node once, patches every copy
# differently and starts it again.  Reproducible: builds are
# deterministic for a heap order, and everything else follows Perl's rand,
# seeded with HANNOY_CORRUPT_SEED; HANNOY_CORRUPT_ROUNDS sets the rounds and
# HANNOY_CORRUPT_KINDS (a regex, e.g. '^slot') the kinds of patch.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $seed = $ENV{HANNOY_CORRUPT_SEED} // 95;
my $rounds = $ENV{HANNOY_CORRUPT_ROUNDS} // 180;
my $only = $ENV{HANNOY_CORRUPT_KINDS} // '';
srand($seed);
diag("corruption campaign: seed $seed, $rounds rounds"
	  . ($only ? ", kinds matching /$only/" : '') . ' (HANNOY_CORRUPT_SEED, _ROUNDS, _KINDS)');

# no typmod on the columns: the metapage alone records the dimensions
my %kinds = (
	small => { dims => 4,   rows => 600, opclass => 'vector_l2_ops',          op => '<->' },
	split => { dims => 784, rows => 120, opclass => 'vector_l2_ops',          op => '<->' },
	fp16  => { dims => 96,  rows => 400, opclass => 'vector_cosine_fp16_ops', op => '<=>' },
	chain => { dims => 5000, rows => 40, opclass => 'vector_l2_ops',         op => '<->' },
	# attribute columns (format version 5): an attribute area in every element
	attrs => { dims => 6,   rows => 500, opclass => 'vector_l2_ops',          op => '<->',
		columns => ', tenant, tags, note', filters => [ "WHERE tenant < 5 AND tags && '{t1,t2}' ", "WHERE note = 'n3' " ] },
);
my @slots = map { ("${_}_1", "${_}_2") } sort keys %kinds;    # each on its own table c_<slot>
sub kind_name { return ($_[0] =~ /^(\w+)_\d$/)[0] }
sub kind_of { return $kinds{ kind_name($_[0]) } }

my $node = hannoy_node('corrupt',
	conf => "max_parallel_maintenance_workers = 0\njit = off\nrestart_after_crash = on");
$node->safe_psql('postgres', join '', map { qq{
	SELECT setseed(0.$kinds{$_}{dims});
	CREATE TABLE src_$_ AS SELECT g AS id,
	  (SELECT array_agg(random()) FROM generate_series(1, $kinds{$_}{dims}) WHERE g > 0)::vector AS v,
	  g % 10 AS tenant, ARRAY['t' || g % 4, 't' || g % 7] AS tags,
	  CASE WHEN g % 3 > 0 THEN 'n' || g % 5 END AS note
	  FROM generate_series(1, $kinds{$_}{rows}) g;
} } sort keys %kinds);

# --- the on-disk format (src/page.h) ---------------------------------------
sub u16 { return unpack 'v', substr($_[0], $_[1], 2) }
sub tid_at { my ($hi, $lo, $off) = unpack 'v3', substr($_[0], $_[1], 6); return [ ($hi << 16) | $lo, $off ] }
sub tid_bytes { return pack 'v3', $_[0] >> 16, $_[0] & 0xffff, $_[1] }
sub pick { return $_[ int rand @_ ] }

# The metapage fields, elements (with their neighbour slots) and vector
# items and parts (part => 1, next) of an index file.  Metapage offsets are
# from the page's start.
sub parse_index
{
	my ($bytes) = @_;
	my $m = u16($bytes, 34);
	my %ix = (nblocks => length($bytes) / 8192, m => $m, dims => u16($bytes, 32),
		storage => ord(substr($bytes, 38, 1)), entry => tid_at($bytes, 40),
		entry_level => unpack('s<', substr($bytes, 46, 2)), elements => [], vitems => [], maxoff => [0],
		vpages => []);
	for my $blk (1 .. $ix{nblocks} - 1)
	{
		my $page = substr($bytes, $blk * 8192, 8192);
		if (u16($page, 8184) == 8)    # a value set page (version 6): next, append, entries
		{
			my ($next, $append, $n) = unpack 'V3', substr($page, 24, 12);
			push @{ $ix{vpages} }, { blk => $blk, next => $next, append => $append, nentries => $n,
				page => $page };
			push @{ $ix{maxoff} }, 0;
			next;
		}
		push @{ $ix{maxoff} }, (u16($page, 12) - 24) / 4;
		for my $off (1 .. $ix{maxoff}[$blk])
		{
			my $lp = unpack 'V', substr($page, 20 + 4 * $off, 4);
			next unless (($lp >> 15) & 3) == 1;    # LP_NORMAL
			my %it = (blk => $blk, off => $off, lp => $lp, at => $lp & 0x7fff, len => $lp >> 17);
			my ($type, $level, $flags, $ntids) = unpack 'C4', substr($page, $it{at}, 4);
			if ($type == 2 || $type == 3)
			{
				@it{qw(part data_at)} = ($type == 3, $it{at} + ($type == 3 ? 8 : 4));
				$it{next} = tid_at($page, $it{at} + 2) if $type == 3;
				push @{ $ix{vitems} }, \%it;
				next;
			}
			my $nslots = 2 * $m + $level * $m;
			@it{qw(level flags ntids ext vtid vector_at)} = ($level, $flags, $ntids, $flags & 2,
				tid_at($page, $it{at} + 22), $it{at} + ((28 + 6 * $nslots + 3) & ~3));
			if ($flags & 4)    # an attribute area (its size first), then the vector
			{
				$it{attrs_at} = $it{at} + ((28 + 6 * $nslots + 7) & ~7);
				$it{attrs_size} = u16($page, $it{attrs_at});
				$it{vector_at} = $it{attrs_at} + $it{attrs_size};
			}
			for my $i (0 .. $nslots - 1)
			{
				my $layer = $i < 2 * $m ? 0 : 1 + int(($i - 2 * $m) / $m);
				my $tid = tid_at($page, $it{at} + 28 + 6 * $i);
				my $prev = $i ? $it{slots}[-1] : undef;
				# searches read a list up to its first unused slot
				push @{ $it{slots} }, { i => $i, layer => $layer, at => $it{at} + 28 + 6 * $i, tid => $tid,
					first_unused => !$tid->[1] && (!$prev || $prev->{layer} != $layer || $prev->{tid}[1]) };
			}
			push @{ $ix{elements} }, \%it;
		}
	}
	return \%ix;
}

# --- patches -----------------------------------------------------------------
# { blk, edits => [[offset in the page, bytes]], what, detect => hannoy_verify
# must report it, count_check => check VACUUM's count, also_ok => SQLSTATE }
sub edit
{
	my ($blk, $at, $bytes, $what, $detect, %more) = @_;
	return { blk => $blk, edits => [ [ $at, $bytes ] ], what => $what, detect => $detect, %more };
}
sub any_element { return pick(@{ $_[0]{elements} }) }
sub any_item { return pick(@{ $_[0]{elements} }, @{ $_[0]{vitems} }) }
sub any_block { return 1 + int rand($_[0]{nblocks} - 1) }

# A random element's used (or first unused) neighbour slot: (element, slot).
sub slot_of
{
	my ($ix, $used) = @_;
	my @c = map { my $e = $_; map { [ $e, $_ ] } grep { $used ? $_->{tid}[1] : $_->{first_unused} } @{ $e->{slots} } }
	  @{ $ix->{elements} };
	return @c ? @{ pick(@c) } : ();
}

sub set_header    # one byte of an element's header
{
	my ($e, $at, $new, $name, $detect, %more) = @_;
	return edit($e->{blk}, $e->{at} + $at, chr($new), sprintf('element (%d,%d) %s %d -> %d',
		$e->{blk}, $e->{off}, $name, (1, @$e{qw(level flags ntids)})[$at], $new), $detect, %more);
}

sub set_lp    # a field of an item's line pointer
{
	my ($it, $field, $new) = @_;
	my %f = (off => $it->{at}, flags => ($it->{lp} >> 15) & 3, len => $it->{len});
	my $old = $f{$field};
	$f{$field} = $new & ($field eq 'flags' ? 3 : 0x7fff);
	return edit($it->{blk}, 20 + 4 * $it->{off}, pack('V', $f{off} | ($f{flags} << 15) | ($f{len} << 17)),
		sprintf('line pointer (%d,%d) of %s: lp_%s %d -> %d', $it->{blk}, $it->{off},
			defined $it->{level} ? 'an element' : 'a vector item', $field, $old, $f{$field}));
}

sub meta_kind    # a metapage field: offset from the page's start, pack format
{
	my ($at, $fmt, $name, $values, $detect, %more) = @_;
	return sub {
		my $new = pick($values->($_[0]));
		return edit(0, $at, pack($fmt, $new), "metapage $name -> $new", $detect, %more);
	};
}

# Where a used neighbour slot is made to point: (block, offset, detect).
my @slot_targets = (
	'block past the end' => sub { ($_[0]{nblocks} + int rand 10, $_[2]{tid}[1], 1) },
	'block in a missing segment' =>
	  sub { (pick(131072 + int rand 1_000_000, 0x7FFFFFFF, 0xFFFFFFFE), $_[2]{tid}[1], 1) },
	'block InvalidBlockNumber' => sub { (0xFFFFFFFF, $_[2]{tid}[1], 1) },
	'the metapage' => sub { (0, pick(1, $_[2]{tid}[1]), 1) },
	'offset past the line pointers' =>
	  sub { ($_[2]{tid}[0], pick($_[0]{maxoff}[ $_[2]{tid}[0] ] + 1 + int rand 20, 0xFFFF), 1) },
	'a vector item' => sub { my $v = pick(@{ $_[0]{vitems} }) or return; ($v->{blk}, $v->{off}, 1) },
	'itself' => sub { ($_[1]{blk}, $_[1]{off}, 1) },
	'another element' => sub { my $o = any_element($_[0]); ($o->{blk}, $o->{off}, undef) },
	'cleared (a gap)' => sub {
		my $next = $_[1]{slots}[ $_[2]{i} + 1 ];
		($_[2]{tid}[0], 0, ($next && $next->{layer} == $_[2]{layer} && $next->{tid}[1]) ? 1 : undef);
	},
	'random bytes' => sub { (int rand 2**32, int rand 2**16, undef) },
);

sub slot_kind
{
	my ($used, $target) = @_;
	return sub {
		my ($ix) = @_;
		my ($e, $s) = slot_of($ix, $used) or return;
		my ($blk, $off, $detect) = $target->($ix, $e, $s) or return;
		return edit($e->{blk}, $s->{at}, tid_bytes($blk, $off),
			sprintf('element (%d,%d) layer %d slot %d: (%u,%u) -> (%u,%u)', $e->{blk}, $e->{off},
				$s->{layer}, $s->{i}, @{ $s->{tid} }, $blk, $off), $detect);
	};
}

my @patch_kinds = (
	'slot: unused made valid' =>
	  slot_kind(0, sub { (0xFFFFFFFF, pick(1, 2, 1 + int rand 0xFFFF), 1) }),
	map({ $_ % 2 ? () : ("slot: $slot_targets[$_]" => slot_kind(1, $slot_targets[ $_ + 1 ])) } 0 .. $#slot_targets),
	'element: type' => sub { set_header(any_element($_[0]), 0, pick(0, 2, 3, 255), 'type') },
	'element: level' => sub {
		my $e = any_element($_[0]);
		my $l = $e->{level};
		# a split element's new level may leave its vector's split point valid
		set_header($e, 1, pick($l + 1, $l + 2, 17, 255, $l ? $l - 1 : 3), 'level', !$e->{ext});
	},
	'element: flags' => sub {
		my $e = any_element($_[0]);
		my $x = pick(1, 2, 4, 0x80, 1 + int rand 255);
		# EXTERNAL flipped: the wrong size; ATTRS flipped: an area where the index has none, or none where it has
		set_header($e, 2, $e->{flags} ^ $x, 'flags', $x & 6);
	},
	'element: heap TID count' => sub {
		set_header(any_element($_[0]), 3, pick(0, 4, 200, 255), 'nheaptids', 1, count_check => 1);
	},
	'element: vector TID' => sub {
		my $e = pick(grep { $_->{ext} } @{ $_[0]{elements} }) or return;
		my ($b, $o) = @{ pick([ $_[0]{nblocks} + int rand 5, 1 ], [ 0, 1 ], [ 0xFFFFFFFF, 1 ],
				[ 200000, 1 ], [ $e->{vtid}[0], 1 + int rand 30 ]) };
		edit($e->{blk}, $e->{at} + 22, tid_bytes($b, $o), sprintf('element (%d,%d) vector_tid (%u,%u) -> (%u,%u)',
				$e->{blk}, $e->{off}, @{ $e->{vtid} }, $b, $o), $b != $e->{vtid}[0]);
	},
	# the area's size or column count: hannoy_verify notices; a byte of its values may be harmless
	'element: attribute area' => sub {
		my $e = pick(grep { $_->{attrs_at} } @{ $_[0]{elements} }) or return;
		my $s = $e->{attrs_size};
		my ($at, $bytes, $what, $detect) = @{ pick(
				[ 0, pack('v', pick(0, 2, $s - 8, $s + 8, $s + 4, 4096, 65535)), 'size', 1 ],
				[ 2, chr(pick(0, 2, 4, 255)), 'natts', 1 ],
				[ 4, chr(int rand 256), 'null bitmap', undef ],
				[ 5 + int rand($s - 5), chr(int rand 256), 'a value byte', undef ]) };
		edit($e->{blk}, $e->{attrs_at} + $at, $bytes, sprintf('element (%d,%d) attribute area +%d (%s): %s',
				$e->{blk}, $e->{off}, $at, $what, unpack('H*', $bytes)), $detect);
	},
	# value sets (version 6): a page's count, chain links, an entry
	'value set page' => sub {
		my ($ix) = @_;
		my $vp = pick(grep { $_->{nentries} > 0 } @{ $ix->{vpages} }) or return;
		my $e = 36 + 10 * int rand $vp->{nentries};
		my ($at, $bytes, $what, $detect) = @{ pick(
				[ 32, pack('V', pick(815, 65535, 0, $vp->{nentries} - 1)), 'nentries', 1 ],
				[ 24, pack('V', pick($ix->{nblocks} + 3, 0, $vp->{blk},
					$vp->{next} != 0xFFFFFFFF ? 0xFFFFFFFF : 0)), 'next', 1 ],
				[ 28, pack('V', pick(0, 1, $ix->{nblocks} + 3, 0x7FFFFFFF)), 'append', undef ],
				# another element, not one at all, or past the index: an entry no element claims
				[ $e + 4, tid_bytes(@{ pick([ int rand 2**32, int rand 2**16 ], [ 1, 0 ], [ $ix->{nblocks} + 1, 1 ],
					[ $vp->{blk}, 1 ]) }), 'an entry\'s element', 1 ],
				# a key the element does not hold
				map({ [ $e + $_, chr(ord(substr($vp->{page}, $e + $_, 1)) ^ (1 + int rand 255)),
					'an entry\'s key', 1 ] } 0 .. 3)) };
		edit($vp->{blk}, $at, $bytes, sprintf('value set page %d +%d (%s): %s', $vp->{blk}, $at, $what,
				unpack('H*', $bytes)), $detect);
	},
	'vector item: type' => sub {
		my $v = pick(@{ $_[0]{vitems} }) or return;
		my $t = pick(grep { $_ != ($v->{part} ? 3 : 2) } 0, 1, 2, 3, 255);
		edit($v->{blk}, $v->{at}, chr $t, sprintf('vector %s (%d,%d) type %d -> %d',
				$v->{part} ? 'part' : 'item', $v->{blk}, $v->{off}, $v->{part} ? 3 : 2, $t), 1);
	},
	# another part or vector item may continue the chain as well: not certain to be noticed
	'vector part: next' => sub {
		my ($ix) = @_;
		my $v = pick(grep { $_->{part} } @{ $ix->{vitems} }) or return;
		my $o = pick(grep { $_ != $v } @{ $ix->{vitems} });
		my ($b, $n, $detect) = @{ pick([ $ix->{nblocks} + int rand 5, 1, 1 ], [ 0, 1, 1 ], [ 0xFFFFFFFF, 1, 1 ],
				[ $v->{next}[0], 0, 1 ], [ $v->{next}[0], $ix->{maxoff}[ $v->{next}[0] ] + 1, 1 ],
				[ $v->{blk}, $v->{off}, 1 ], $o ? [ $o->{blk}, $o->{off}, undef ] : ()) };
		edit($v->{blk}, $v->{at} + 2, tid_bytes($b, $n), sprintf('vector part (%d,%d) next (%u,%u) -> (%u,%u)',
				$v->{blk}, $v->{off}, @{ $v->{next} }, $b, $n), $detect);
	},
	'vector bytes' => sub {
		my @regions = grep { $_->[2] - $_->[1] >= 4 }
		  (map({ [ $_, $_->{vector_at}, $_->{at} + $_->{len} ] } @{ $_[0]{elements} }),
			map({ [ $_, $_->{data_at}, $_->{at} + $_->{len} ] } @{ $_[0]{vitems} }));
		my ($it, $from, $to) = @{ pick(@regions) };
		my $at = $from + 4 * int rand(($to - $from) / 4);
		my $b = pick("\x00\x00\xc0\x7f", "\x00\x00\x80\xff", pack('V', int rand 2**32));    # NaN, -Inf
		edit($it->{blk}, $at, $b, sprintf('vector bytes of (%d,%d) at +%d: %s', $it->{blk}, $it->{off},
				$at - $it->{at}, unpack('H*', $b)));
	},
	'line pointer: flags' => sub { set_lp(any_item($_[0]), 'flags', pick(0, 2, 3)) },
	'line pointer: offset' => sub { my $it = any_item($_[0]);
		set_lp($it, 'off', pick(0, 8, 24, $it->{at} - 4, $it->{at} + 4, 8190, int rand 32768)) },
	'line pointer: length' => sub { my $it = any_item($_[0]);
		set_lp($it, 'len', pick(0, 4, 27, $it->{len} - 1, $it->{len} + 1, $it->{len} + 8, 8192, int rand 32768)) },
	'special: page id' => sub {
		my $id = pick(0, 0xFF90, int rand 0xFF91);
		edit(any_block($_[0]), 8186, pack('v', $id), sprintf('page id 0xFF91 -> 0x%04X', $id), 1);
	},
	'special: flags' => sub {
		my $f = pick(0, 1, 3, int rand 65536);
		edit(any_block($_[0]), 8184, pack('v', $f), sprintf('page flags 0x0002 -> 0x%04X', $f), !($f & 2));
	},
	'page header' => sub {
		my ($name, $at) = @{ pick([ 'pd_flags', 10 ], [ 'pd_lower', 12 ], [ 'pd_upper', 14 ],
				[ 'pd_special', 16 ], [ 'pd_pagesize_version', 18 ]) };
		my $v = pick(0, 24, 8184, 8192, int rand 65536);
		edit(any_block($_[0]), $at, pack('v', $v), "$name -> $v");
	},
	'random bytes' => sub {    # anywhere past the page's LSN, which only the WAL checks
		my @edits = map { [ 8 + int rand 8184, chr int rand 256 ] } 1 .. 1 + int rand 8;
		return { blk => any_block($_[0]), edits => \@edits,
			what => join(' ', map { sprintf('+%d=%02x', $_->[0], ord $_->[1]) } @edits) };
	},
	'metapage: entry point' => sub {
		my ($ix) = @_;
		my $v = pick(@{ $ix->{vitems} });
		my ($b, $o) = @{ pick([ $ix->{nblocks} + 2, 1 ], [ 0xFFFFFFFF, 1 ], [ 0, 1 ], [ 300000, 1 ],
				[ $ix->{entry}[0], $ix->{maxoff}[ $ix->{entry}[0] ] + 5 ], [ $ix->{entry}[0], 0 ],
				$v ? [ $v->{blk}, $v->{off} ] : ()) };
		edit(0, 40, tid_bytes($b, $o), "metapage entry (@{ $ix->{entry} }) -> ($b,$o)", 1);
	},
	'metapage: entry level' => meta_kind(46, 's<', 'entry_level',
		sub { my $l = $_[0]{entry_level}; (-1, $l + 1, $l ? $l - 1 : 2, 100, 255, 32767, -32768) }, 1),
	'metapage: m' => meta_kind(34, 'v', 'm', sub { my $m = $_[0]{m}; (0, 1, $m - 1, $m + 1, 2 * $m, 101, 1000, 65535) }),
	# a query or row of other dimensions than the metapage's is the user's
	# mistake as far as the index can tell (22000)
	'metapage: dimensions' => meta_kind(32, 'v', 'dimensions',
		sub { my $d = $_[0]{dims}; (0, 1, $d - 1, $d + 1, 2 * $d, 16000, 65535) }, undef, also_ok => '22000'),
	'metapage: storage' => meta_kind(38, 'C', 'storage', sub { ((3 - $_[0]{storage}) x 3, 0, 255) }),    # fp32 <-> fp16
	'metapage: max_level' => meta_kind(39, 'C', 'max_level', sub { (0, 17, 255) }),
	'metapage: insert_page' => meta_kind(48, 'V', 'insert_page', sub { (0, $_[0]{nblocks} + 3, 0x7FFFFFFF, 0xFFFFFFFE) }),
	'metapage: ef_construction' => meta_kind(36, 'v', 'ef_construction', sub { (0, 1, 65535) }),
);
my %patch_sub = @patch_kinds;
my @kind_names = grep { /$only/ } @patch_kinds[ grep { $_ % 2 == 0 } 0 .. $#patch_kinds ];
@kind_names or BAIL_OUT("no kind of patch matches /$only/");

# Patch kinds come round-robin in seeded shuffled order; one that does not
# apply to an index (no split elements) waits for an index it applies to.
my @queue;
sub next_patch
{
	my ($ix) = @_;
	for (my $j = 0; $j < 10 * @kind_names; $j++)
	{
		if ($j >= @queue)
		{
			my @k = @kind_names;
			for (my $i = $#k; $i > 0; $i--) { my $r = int rand($i + 1); @k[ $i, $r ] = @k[ $r, $i ] }
			push @queue, @k;
		}
		my $p = $patch_sub{ $queue[$j] }->($ix) or next;
		$p->{kind} = splice @queue, $j, 1;
		return $p;
	}
	return undef;    # none applies
}

# --- statements ----------------------------------------------------------------
# Runs SQL; returns its SQLSTATE ('ok', or 'crash'), stdout and what went wrong.
sub run_sql
{
	my ($sql) = @_;
	my $pos = -s $node->logfile;
	my ($ret, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\nSET statement_timeout = '10s';\n$sql",
		timeout => 120, timed_out => \my $timed_out);
	BAIL_OUT("psql hung (seed $seed): $sql") if $timed_out;
	my $state = $ret == 0 ? 'ok' : $err =~ /ERROR:\s+([0-9A-Z]{5}):/ ? $1 : 'crash';
	if ($ret != 0 && $err =~ /server closed the connection|connection to server .* failed/)
	{
		$state = 'crash';
		$node->poll_query_until('postgres', 'SELECT true')
		  or BAIL_OUT("the node did not come back after a crash (seed $seed)");
	}
	my $log = slurp_file($node->logfile, $pos);
	$state = 'crash' if $log =~ /terminated by signal|\bPANIC:/;
	my @why = ((grep { /ERROR:|LOCATION:|FATAL:|server closed/ } split /\n/, $err),
		(grep { /terminated by signal|PANIC:/ } split /\n/, $log));
	s/^psql:<stdin>:\d+:\s*|^.*?\[\d+\]\s+(?:\S+\s+)?(?=[A-Z]+:)// for @why;
	return ($state, $out, join(' | ', @why));
}

my (%failed, %tried, $crashes);
sub run_round
{
	my ($round, $slot, $p) = @_;
	my $k = kind_of($slot);
	my ($t, $i, $op) = ("c_$slot", "c_${slot}_v", $k->{op});
	my $qv = "(SELECT v FROM $t WHERE id = " . (1 + int rand $k->{rows}) . ')';
	my $del = int rand 5;
	my @fail;
	my $run = sub {    # runs one statement, records what is wrong; returns (state, stdout)
		my ($sql, $check) = @_;
		my ($st, $out, $why) = run_sql($sql);
		my $bad = $st eq 'ok' ? ($check ? $check->($out) : undef)
		  : ($st =~ /^XX00[12]$/ || $st eq ($p->{also_ok} // '')) ? undef : "$st: $why";
		$crashes++ if $st eq 'crash';
		push @fail, "$sql\n      -> $bad" if $bad;
		return ($st, $out);
	};
	my $sizes = "SELECT pg_relation_size('$t') || ' ' || pg_relation_size('$i')";

	$run->("SELECT hannoy_verify('$i')", sub { $p->{detect} ? "hannoy_verify found nothing wrong ($_[0])" : undef });
	my (undef, $before) = run_sql($sizes);
	# ordered scans: hannoy.iterative_scan, hannoy.ef_search, a filter, LIMIT
	my @filters = @{ $k->{filters} // [ 'WHERE id % 4 = 0 ', '' ] };
	for my $q ([ 'off', 40, '', 10 ], [ 'off', 1, '', 1 ],
		[ 'relaxed_order', 10, $filters[0], 40 ], [ 'strict_order', 10, $filters[1], 30 ])
	{
		my ($iterative, $ef, $filter, $limit) = @$q;
		$run->("SET enable_seqscan = off; SET hannoy.iterative_scan = $iterative; SET hannoy.ef_search = $ef; "
			  . "SELECT id FROM $t ${filter}ORDER BY v $op $qv LIMIT $limit", sub {
				my @ids = split /\n/, $_[0];
				my @bad = grep { !/^\d+$/ || $_ < 1 || $_ > $k->{rows} } @ids;
				return @ids > $limit ? scalar(@ids) . " rows, more than LIMIT $limit"
				  : @bad ? "ids that are not in the table: @bad" : undef;
			});
	}
	my (undef, $after) = run_sql($sizes);
	push @fail, "the scans extended the table or the index (bytes: $before -> $after)" if $before ne $after;
	$run->("INSERT INTO $t SELECT id + 100000, v FROM $t WHERE id <= 2 "
		  . "UNION ALL SELECT id + 200000, v + v FROM $t WHERE id BETWEEN 3 AND 6");
	my ($vacuum) = $run->("DELETE FROM $t WHERE id % 5 = $del; VACUUM (INDEX_CLEANUP ON) $t");
	$run->("SELECT (SELECT reltuples FROM pg_class WHERE oid = '$i'::regclass) || ' index tuples, '"
		  . " || (SELECT count(*) FROM $t) || ' rows'",
		sub { $_[0] =~ /^(-?[\d.e+]+) index tuples, (\d+) rows$/ && $1 <= $2 ? undef
			  : "VACUUM counted more index tuples than rows: $_[0]" })
	  if $vacuum eq 'ok' && $p->{count_check};
	$run->("SELECT hannoy_verify('$i')");

	my $ctx = "round $round (seed $seed) $slot block $p->{blk}: [$p->{kind}] $p->{what}";
	note($ctx);
	ok(!@fail, "round $round: $slot [$p->{kind}]") or diag("$ctx (details in the summary)");
	push @{ $failed{ $p->{kind} } }, "$ctx\n    " . join("\n    ", @fail) if @fail;
}

# --- the campaign ----------------------------------------------------------------
my ($round, $parse_ok) = (0, 1);
for (my $cycle = 1; $round < $rounds; $cycle++)
{
	my $sql = join '', map { qq{
		DROP TABLE IF EXISTS c_$_;
		CREATE TABLE c_$_ AS SELECT * FROM src_@{[ kind_name($_) ]} ORDER BY id;
		CREATE INDEX c_${_}_v ON c_$_ USING hannoy (v @{[ kind_of($_)->{opclass} ]}@{[ kind_of($_)->{columns} // '' ]})
		  WITH (m = 8);
	} } @slots;
	my @info = split /\n/, $node->safe_psql('postgres', "$sql; CHECKPOINT;\n" . join(' UNION ALL ',
			map { "SELECT pg_relation_filepath('c_${_}_v') || ' ' || hannoy_verify('c_${_}_v')" } @slots));
	if ($cycle == 1)
	{
		like($node->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM c_$_ "
				  . "ORDER BY v @{[ kind_of($_)->{op} ]} (SELECT v FROM c_$_ WHERE id = 1) LIMIT 10"),
			qr/Index Scan using c_${_}_v/, "the scans of c_$_ use its index") for @slots;
		like($node->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM c_$_ "
				  . "$kinds{attrs}{filters}[0]ORDER BY v <-> (SELECT v FROM c_$_ WHERE id = 1) LIMIT 10"),
			qr/Index Cond: \(\(tenant < 5\) AND/, "the filtered scans of c_$_ check their conditions in the index")
		  for grep { /^attrs/ } @slots;
	}
	$node->stop;
	my %patches;
	for my $n (0 .. $#slots)
	{
		my ($file, $elements) = split / /, $info[$n];
		my $path = $node->data_dir . "/$file";
		my $ix = parse_index(read_bytes($path));
		# the parser must see what hannoy_verify counts, and split elements where wanted
		if (@{ $ix->{elements} } != $elements || ($slots[$n] =~ /^split/ && !@{ $ix->{vitems} })
			|| ($slots[$n] =~ /^chain/ && !grep { $_->{part} } @{ $ix->{vitems} })
			|| ($slots[$n] =~ /^attrs/ && grep { !$_->{attrs_at} } @{ $ix->{elements} }))
		{
			$parse_ok = 0;
			diag("$slots[$n]: parsed " . @{ $ix->{elements} } . " elements and "
				  . @{ $ix->{vitems} } . " vector items and parts; hannoy_verify counts $elements");
		}
		my $p = $patches{ $slots[$n] } = next_patch($ix) or next;
		open my $fh, '+<:raw', $path or die "open $path: $!";
		seek($fh, $p->{blk} * 8192 + $_->[0], 0) && print $fh $_->[1] for @{ $p->{edits} };
		close $fh;
	}
	$node->start;
	my @patched = grep { $patches{$_} } @slots
	  or BAIL_OUT("no kind of patch matching /$only/ applies to these indexes");
	for my $slot (@patched)
	{
		last if ++$round > $rounds;
		$tried{ $patches{$slot}{kind} }++;
		run_round($round, $slot, $patches{$slot});
	}
}

ok($parse_ok, 'the test parses index pages as hannoy_verify counts them, and split elements and vector parts exist');
is(scalar(keys %tried), scalar(@kind_names), 'every kind of patch was tried')
  or diag('not tried: ' . join(', ', grep { !$tried{$_} } @kind_names));
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the node is up at the end');

diag("summary (seed $seed, $rounds rounds, " . ($crashes // 0) . " crashed statements): "
	  . (%failed ? scalar(keys %failed) . ' kinds of patch failed' : 'no failures'));
for my $kind (sort keys %failed)
{
	diag("== $kind: " . scalar(@{ $failed{$kind} }) . " of $tried{$kind} rounds failed");
	diag("  $_") for @{ $failed{$kind} };
}

$node->stop;
done_testing();
