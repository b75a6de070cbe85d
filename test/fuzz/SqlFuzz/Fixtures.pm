# Fixtures of the SQL fuzzer (test/fuzz/sqlfuzz.pl).
#
# It generates the SQL that sets up the database a campaign runs against
# (setup_sql(): small tables of every kind with their hannoy indexes,
# aggregates with forged initial states, the fz_check() oracle that flags
# invalid vector results with SQLSTATE FZ001), deterministic through
# setseed(); and it describes those tables to the generators that query
# and modify them (table_info(), indexed_tables()).
package SqlFuzz::Fixtures;

use strict;
use warnings;

use Exporter 'import';

our @EXPORT = qw(setup_sql table_info indexed_tables);

# --------------------------------------------------------------------------
# Fixture tables: table => [ column, type, dims (undef: none), indexed ops ]
# --------------------------------------------------------------------------

my %tables = (
	fz_v3 => [ 'v', 'vector', 3, [ '<->', '<=>', '<+>' ] ],
	fz_v => [ 'v', 'vector', 17, ['<#>'] ],
	fz_h => [ 'h', 'halfvec', 5, [ '<->', '<+>' ] ],
	fz_hx => [ 'h', 'halfvec', 33, ['<=>'] ],
	fz_f => [ 'v', 'vector', 4, [ '<->', '<#>' ] ],
	fz_e => [ 'v', 'vector', 3, ['<->'] ],
	fz_t => [ 'v', 'vector', 3, [ '<->', '<+>' ] ],
	fz_big => [ 'v', 'vector', 4, ['<->'] ],
	fz_n => [ 'v', 'vector', undef, [] ]);
my @indexed = qw(fz_v3 fz_v3 fz_v3 fz_v fz_h fz_h fz_hx fz_f fz_f fz_e fz_t fz_big);

# [ column, type, dims, indexed ops ] of a fixture table
sub table_info { return $tables{ $_[0] } }

# the indexed tables, each as often as it should be picked
sub indexed_tables { return @indexed }

# Fixtures: small tables of every kind with their indexes, forged
# aggregates.  Deterministic (setseed).
sub setup_sql
{
	my $forged = join('', map {
		my ($i, $init) = ($_, ('{0}', '{}', '{{1,2},{3,4}}', '{1,NULL,2,3}', '{-1,0,0,0}',
				'{NaN,0,0,0}', '{0,0,0,0}', '{1e308,1e308,1e308,1e308}')[$_]);
		"CREATE AGGREGATE fz_avg_$i(vector) (SFUNC = vector_accum, STYPE = float8[],"
		  . " INITCOND = '$init', FINALFUNC = vector_avg, COMBINEFUNC = vector_combine,"
		  . " PARALLEL = SAFE);\n"
	} 0 .. 7);
	my $rows = sub {
		my ($dim, $n, $scale) = @_;
		return "SELECT (SELECT array_agg((random() * $scale)::real) FROM generate_series(1, $dim) "
		  . "WHERE g > 0) FROM generate_series(1, $n) g";
	};
	return <<"SQL";
SELECT setseed(0.42);
CREATE EXTENSION IF NOT EXISTS hannoy;
CREATE TABLE fz_v3 (id serial PRIMARY KEY, v vector(3));
INSERT INTO fz_v3 (v) @{[ $rows->(3, 400, 10) ]};
CREATE INDEX fz_v3_l2 ON fz_v3 USING hannoy (v vector_l2_ops);
CREATE INDEX fz_v3_cos ON fz_v3 USING hannoy (v vector_cosine_ops) WITH (m = 2, ef_construction = 4);
CREATE INDEX fz_v3_l1 ON fz_v3 USING hannoy (v vector_l1_ops);
CREATE TABLE fz_v (id serial PRIMARY KEY, v vector);
INSERT INTO fz_v (v) @{[ $rows->(17, 400, 2) ]};
CREATE INDEX fz_v_ip ON fz_v USING hannoy (v vector_ip_ops);
CREATE TABLE fz_h (id serial PRIMARY KEY, h halfvec(5));
INSERT INTO fz_h (h) @{[ $rows->(5, 400, 100) ]};
CREATE INDEX fz_h_l2 ON fz_h USING hannoy (h halfvec_l2_ops);
CREATE INDEX fz_h_l1 ON fz_h USING hannoy (h halfvec_l1_ops) WITH (m = 4);
CREATE TABLE fz_hx (id serial PRIMARY KEY, h halfvec);
INSERT INTO fz_hx (h) @{[ $rows->(33, 200, 1) ]};
CREATE INDEX fz_hx_cos ON fz_hx USING hannoy (h halfvec_cosine_ops);
CREATE TABLE fz_f (id serial PRIMARY KEY, v vector(4));
INSERT INTO fz_f (v) @{[ $rows->(4, 300, 60000) ]};
CREATE INDEX fz_f_l2 ON fz_f USING hannoy (v vector_l2_fp16_ops);
CREATE INDEX fz_f_ip ON fz_f USING hannoy (v vector_ip_fp16_ops);
CREATE TABLE fz_e (id serial PRIMARY KEY, v vector(3));
CREATE INDEX fz_e_l2 ON fz_e USING hannoy (v);
CREATE TABLE fz_t (id serial PRIMARY KEY, v vector(3));
INSERT INTO fz_t (v) @{[ $rows->(3, 50, 1) ]};
CREATE INDEX fz_t_l2 ON fz_t USING hannoy (v);
CREATE INDEX fz_t_l1 ON fz_t USING hannoy (v vector_l1_ops) WITH (m = 100, ef_construction = 1000);
CREATE TABLE fz_big (id serial PRIMARY KEY, v vector(4));
INSERT INTO fz_big (v) @{[ $rows->(4, 10500, 1) ]};
CREATE INDEX fz_big_l2 ON fz_big USING hannoy (v) WITH (m = 4, ef_construction = 8);
CREATE TABLE fz_n (id serial PRIMARY KEY, v vector, h halfvec);
INSERT INTO fz_n (v, h) SELECT ARRAY[g, -g]::vector, ARRAY[g, 2 * g, 0]::halfvec FROM generate_series(1, 50) g;
CREATE TABLE fz_c1 (v vector);
CREATE TABLE fz_c3 (v vector(3));
CREATE TABLE fz_ch (h halfvec);
CREATE TABLE fz_ch3 (h halfvec(3));
CREATE SEQUENCE fz_seq;
CREATE VIEW fz_view AS SELECT * FROM fz_v3;
CREATE INDEX fz_btree ON fz_n USING btree (v);
$forged
-- the oracle: a vector hannoy returns has 1 to 16000 finite elements
@{[ join('', map { <<"FN" } qw(vector halfvec)) ]}
CREATE FUNCTION fz_check(x $_) RETURNS $_ LANGUAGE plpgsql IMMUTABLE AS \$\$
DECLARE
	n int := vector_dims(x);
	bad int := 0;
BEGIN
	IF n BETWEEN 1 AND 16000 THEN
		SELECT count(*) INTO bad FROM unnest(x::real[]) e
		 WHERE e IN ('NaN', 'Infinity', '-Infinity');
	END IF;
	IF n NOT BETWEEN 1 AND 16000 OR bad > 0 THEN
		RAISE EXCEPTION 'invalid $_ from hannoy: % dimensions, % NaN or infinite elements',
			n, bad USING ERRCODE = 'FZ001';
	END IF;
	RETURN x;
END \$\$;
FN
CREATE AGGREGATE fz_comb(float8[]) (SFUNC = vector_combine, STYPE = float8[], INITCOND = '{0}',
	FINALFUNC = vector_avg);
CREATE AGGREGATE fz_hcomb(float8[]) (SFUNC = halfvec_combine, STYPE = float8[],
	FINALFUNC = halfvec_avg);
ANALYZE;
SQL
}


1;
