# Seeded randomness for the SQL fuzzer (test/fuzz/sqlfuzz.pl).
#
# It generates the random numbers every statement generator draws from: a
# small xorshift64 generator of its own, so that the same seed gives the
# same campaign whatever Perl's rand() does and whoever else calls it, and
# the helpers built on it (an integer below n, a fraction, a chance, a
# uniform or weighted pick, an integer in a range).  seed_rng() starts a
# campaign; the state is one per process.
package SqlFuzz::Random;

use strict;
use warnings;
no warnings qw(portable);

use Exporter 'import';

our @EXPORT = qw(seed_rng next_u64 rnd frac chance pick between wpick);

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

1;
