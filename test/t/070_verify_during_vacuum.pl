# hannoy_verify does not call a healthy index corrupt.  Between vacuum's
# passes (marked, not yet repaired or freed) live elements link to deleted
# ones and the entry point may be deleted: that is the normal state there,
# and after an interrupted vacuum.  A slowed-down VACUUM runs in the
# background while hannoy_verify is called again and again; every call must
# succeed, and some must see deleted elements (more elements than rows).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use HannoyTest;

my $node = hannoy_node('verifyvac');
$node->safe_psql('postgres', q{
	SELECT setseed(0.3);
	CREATE TABLE items (id int, v vector(16), tenant int);
	INSERT INTO items
	  SELECT g, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE g > 0)::vector, g % 50
	    FROM generate_series(1, 6000) g;
	-- an attribute: value sets, whose entries vacuum removes before it frees elements
	CREATE INDEX items_v ON items USING hannoy (v, tenant) WITH (m = 8, ef_construction = 32);
	DELETE FROM items WHERE id % 5 < 2;
});
my $live = $node->safe_psql('postgres', 'SELECT count(*) FROM items');

# every page access of the vacuum sleeps: its passes take seconds
my $vacuum = $node->background_psql('postgres');
$vacuum->query_until(qr/started/, q{
	SET vacuum_cost_limit = 1;
	SET vacuum_cost_delay = '2ms';
	\echo started
	VACUUM (INDEX_CLEANUP ON) items;
	\echo vacuumed
});

my ($calls, $failures, $saw_deleted) = (0, 0, 0);
my $deadline = time + 120;
while (time < $deadline)
{
	my ($ret, $out, $err) = $node->psql('postgres', "SELECT hannoy_verify('items_v')");
	$calls++;
	if ($ret != 0)
	{
		$failures++;
		diag("hannoy_verify during VACUUM: $err") if $failures <= 3;
	}
	elsif ($out > $live)
	{
		$saw_deleted++;
	}
	last if $vacuum->{stdout} =~ /vacuumed/;
	$vacuum->{run}->pump_nb;
	last if $vacuum->{stdout} =~ /vacuumed/;
	usleep(20_000);
}
$vacuum->quit;
note("$calls calls, $saw_deleted with deleted elements present");
is($failures, 0, "hannoy_verify succeeded in all $calls calls during VACUUM");
cmp_ok($saw_deleted, '>', 0, 'some calls saw deleted elements (between passes)');
is($node->safe_psql('postgres', "SELECT hannoy_verify('items_v')"), $live,
	'after VACUUM the index holds one element per live row');

$node->stop;
done_testing();
