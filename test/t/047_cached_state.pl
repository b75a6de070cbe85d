# The per-index state a backend caches (meta.c, rd_amcache) must follow
# what other backends do to the index: VACUUM emptying it makes it forget
# its dimensions, and the first vector inserted afterwards sets new ones.
# A session that cached the old state must then insert, search and refuse
# by the metapage, not by its cache.  VACUUM's update of the index's
# pg_class row resets every backend's cache when the counts change, so the
# index is emptied once first: emptying it again changes nothing there.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $node = hannoy_node('cached_state');
$node->safe_psql('postgres', q{
	CREATE TABLE e (id int, v vector);
	INSERT INTO e VALUES (0, '[3,2,1]');
	CREATE INDEX e_v ON e USING hannoy (v);
	DELETE FROM e;
	VACUUM e;
	CREATE TABLE z (id int, v vector);
	CREATE INDEX z_v ON z USING hannoy (v);
});

my $a = $node->background_psql('postgres', on_error_stop => 0);
sub in_a
{
	my ($sql) = @_;
	$a->{stderr} = '';
	my $out = $a->query($sql);
	return ($out, $a->{stderr});
}

# session A caches e_v with 3 dimensions
my ($out, $err) = in_a(q{
	SET enable_seqscan = off;
	INSERT INTO e VALUES (1, '[1,2,3]');
	SELECT id FROM e ORDER BY v <-> '[1,2,3]' LIMIT 1;
});
is($out, '1', 'session A inserted and found a 3-d row') or diag($err);

# another session empties the index and gives it 4 dimensions
$node->safe_psql('postgres', q{
	DELETE FROM e;
	VACUUM e;
	INSERT INTO e VALUES (2, '[1,1,1,2]');
});
is($node->safe_psql('postgres', "SELECT dimensions FROM hannoy_metapage_info('e_v')"),
	'4', 'the metapage records 4 dimensions');

($out, $err) = in_a(q{INSERT INTO e VALUES (3, '[1,1,1,1]');});
is($err, '', 'session A inserts a 4-d row although it cached 3 dimensions');
($out, $err) = in_a(q{
	SELECT string_agg(id::text, ',' ORDER BY d)
	  FROM (SELECT id, v <-> '[1,1,1,1]' AS d FROM e ORDER BY v <-> '[1,1,1,1]' LIMIT 5) s;
});
is($out, '3,2', 'session A finds both 4-d rows through the index') or diag($err);
($out, $err) = in_a(q{SELECT id FROM e ORDER BY v <-> '[1,2,3]' LIMIT 1;});
like($err, qr/expected 4 dimensions, not 3/, 'a 3-d query is refused by the new dimensions');
($out, $err) = in_a(q{INSERT INTO e VALUES (4, '[1,2,3]');});
like($err, qr/expected 4 dimensions, not 3/, 'a 3-d row is refused by the new dimensions');

# session A caches z_v with no dimensions yet; another session sets them
($out, $err) = in_a(q{SELECT count(*) FROM (SELECT id FROM z ORDER BY v <-> '[1,2]' LIMIT 1) s;});
is($out, '0', 'session A searched the empty index') or diag($err);
$node->safe_psql('postgres', q{INSERT INTO z VALUES (1, '[1,2,3]')});
($out, $err) = in_a(q{INSERT INTO z VALUES (2, '[1,2,3,4,5]');});
like($err, qr/expected 3 dimensions, not 5/,
	'a 5-d row is refused by the dimensions another session set');
($out, $err) = in_a(q{INSERT INTO z VALUES (3, '[3,2,1]');
	SELECT string_agg(id::text, ',' ORDER BY id) FROM z;});
is($out, '1,3', 'a 3-d row goes in') or diag($err);

$a->quit;
is($node->safe_psql('postgres', "SELECT hannoy_verify('e_v') || ',' || hannoy_verify('z_v')"),
	'2,2', 'both indexes verify');
$node->stop;
done_testing();
