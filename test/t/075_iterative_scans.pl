# Iterative scans return every row asked for.  Clustered data, 20000 rows
# of 96-d in 64 clusters; the filter matches the rows of 2 clusters (~3%),
# far from the queries.  With hannoy.iterative_scan = relaxed_order and the
# default hannoy.max_scan_tuples (20000, as many as the table holds), each
# query must return its 10 rows, nearest first: the scan keeps going until
# it has them, and if it runs out of budget it still returns what it found.
# A tiny budget must return what was found before it ran out, not nothing.
use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use HannoyTest;

my $node = hannoy_node('iterative');
$node->safe_psql('postgres', q{
	SELECT setseed(0.11);
	CREATE TABLE centres AS
	  SELECT c, (SELECT array_agg(random() * 4) FROM generate_series(1, 96) WHERE c >= 0) AS x
	    FROM generate_series(0, 63) c;
	CREATE TABLE items AS
	  SELECT g AS id, c.c % 64 AS cluster, CASE WHEN c.c IN (5, 6) THEN 7 ELSE c.c % 7 END AS cat,
	         (SELECT array_agg(c.x[i] + random() - 0.5) FROM generate_series(1, 96) i)::vector AS v
	    FROM generate_series(1, 20000) g
	    JOIN centres c ON c.c = g % 64;
	UPDATE items SET cat = 0 WHERE cat = 7 AND cluster NOT IN (5, 6);
	CREATE INDEX items_v ON items USING hannoy (v);
	ANALYZE items;
	CREATE TABLE queries AS
	  SELECT q, (SELECT array_agg(c.x[i] + random() - 0.5) FROM generate_series(1, 96) i)::vector AS v
	    FROM generate_series(1, 50) q JOIN centres c ON c.c = 10 + q % 40;
});
my $share = $node->safe_psql('postgres', 'SELECT avg((cat = 7)::int) FROM items');
cmp_ok($share, '<', 0.04, "the filter matches few rows ($share)");

my $uses = $node->safe_psql('postgres', q{
	SET enable_seqscan = off;
	EXPLAIN (COSTS OFF) SELECT id FROM items WHERE cat = 7 ORDER BY v <-> (SELECT v FROM queries WHERE q = 1) LIMIT 10});
like($uses, qr/Index Scan using items_v/, 'the filtered query uses the index');

# rows returned per query, and whether they come nearest first
sub run_queries
{
	my ($mode, $settings) = @_;
	my $out = $node->safe_psql('postgres', qq{
		SET enable_seqscan = off;
		SET hannoy.iterative_scan = $mode;
		$settings
		SELECT q, count(*), bool_and(d >= prev)
		  FROM (SELECT q.q, d, lag(d, 1, 0::float8) OVER (PARTITION BY q.q ORDER BY n) AS prev
		          FROM queries q,
		               LATERAL (SELECT row_number() OVER () AS n, i.v <-> q.v AS d
		                          FROM (SELECT v FROM items WHERE cat = 7
		                                 ORDER BY v <-> q.v LIMIT 10) i) r) s
		 GROUP BY q ORDER BY q});
	my (%count, $ordered);
	$ordered = 1;
	for (split /\n/, $out)
	{
		my ($q, $n, $ord) = split /\|/;
		$count{$q} = $n;
		$ordered &&= $ord eq 't';
	}
	return (\%count, $ordered);
}

for my $mode ('relaxed_order', 'strict_order')
{
	my ($count, $ordered) = run_queries($mode, '');
	my @short = grep { ($count->{$_} // 0) < 10 } 1 .. 50;
	is(scalar @short, 0, "$mode: every filtered query returned 10 rows at the default budget")
	  or diag('short: ' . join(', ', map { "q$_=" . ($count->{$_} // 0) } @short));
	ok($ordered, "$mode: each query's rows came nearest first") if $mode eq 'strict_order';
}

# a budget too small to reach the matching clusters everywhere: what was
# found before it ran out comes back rather than nothing
my ($count) = run_queries('relaxed_order', 'SET hannoy.max_scan_tuples = 3000;');
my $some = grep { ($count->{$_} // 0) > 0 } 1 .. 50;
cmp_ok($some, '>', 0, "with max_scan_tuples = 3000, $some of 50 queries still returned rows");

$node->stop;
done_testing();
