-- Indexes on bit strings (issue 13): bit_hamming_ops and bit_jaccard_ops
-- store the bits as they are (storage kind "bit") and order by <~> and <%>.
CREATE TABLE bits (id int PRIMARY KEY, v bit(128), vv varbit(300));
INSERT INTO bits
  SELECT i, ('x' || md5(i::text) )::bit(128),
         (('x' || md5(i::text)) || substr(md5((i + 7)::text), 1, 16))::bit(192)::varbit
    FROM generate_series(1, 2000) i;
CREATE INDEX bits_hamming ON bits USING hannoy (v bit_hamming_ops);
CREATE INDEX bits_jaccard ON bits USING hannoy (v bit_jaccard_ops) WITH (ef_construction = 100);
-- a varbit(n) column: its typmod bounds the lengths, the first value fixes them
CREATE INDEX bits_varbit ON bits USING hannoy (vv bit_hamming_ops);
SELECT dimensions, storage, elements FROM hannoy_metapage_info('bits_hamming');
SELECT dimensions, storage, elements FROM hannoy_metapage_info('bits_varbit');
SELECT hannoy_verify('bits_hamming'), hannoy_verify('bits_jaccard'), hannoy_verify('bits_varbit');
EXPLAIN (COSTS OFF) SELECT id FROM bits ORDER BY v <~> B'1'::bit(128) LIMIT 5;
EXPLAIN (COSTS OFF) SELECT id FROM bits ORDER BY v <%> B'1'::bit(128) LIMIT 5;

-- The 10 nearest through each index against an exact sort, for 20 queries
-- that are not in the table: the same distances (ties make ids differ).
CREATE TABLE bit_queries AS
  SELECT q, ('x' || md5('q' || q))::bit(128) AS v,
         (('x' || md5('q' || q)) || substr(md5('r' || q), 1, 16))::bit(192)::varbit AS vv
    FROM generate_series(1, 20) q;
CREATE FUNCTION bit_top10_matches(op text, col text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	n bigint := 0;
	found float8[];
	exact float8[];
	q record;
BEGIN
	FOR q IN SELECT * FROM bit_queries LOOP
		SET LOCAL enable_seqscan = off;
		EXECUTE format('SELECT array_agg(d) FROM (SELECT b.%1$I %2$s $1 AS d FROM bits b
		                 ORDER BY b.%1$I %2$s $1 LIMIT 10) s', col, op)
			INTO found USING CASE col WHEN 'v' THEN q.v::varbit ELSE q.vv END;
		SET LOCAL enable_indexscan = off;
		SET LOCAL enable_seqscan = on;
		EXECUTE format('SELECT array_agg(d) FROM (SELECT b.%1$I %2$s $1 AS d FROM bits b
		                 ORDER BY d LIMIT 10) s', col, op)
			INTO exact USING CASE col WHEN 'v' THEN q.v::varbit ELSE q.vv END;
		RESET enable_indexscan;
		n := n + (SELECT count(*) FROM unnest(found) WITH ORDINALITY f(d, i)
		            JOIN unnest(exact) WITH ORDINALITY e(d, i) USING (i) WHERE f.d = e.d);
	END LOOP;
	RETURN n;
END $$;
SET hannoy.ef_search = 200;
-- 200 is every distance right (each was 200 when written); random bits
-- are hard for a graph, so allow a few misses
SELECT bit_top10_matches('<~>', 'v') >= 180 AS hamming,
       bit_top10_matches('<%>', 'v') >= 180 AS jaccard,
       bit_top10_matches('<~>', 'vv') >= 180 AS varbit;
-- the distances come out in order
SELECT bool_and(d >= lag) AS ordered FROM (
  SELECT d, lag(d, 1, 0::float8) OVER (ORDER BY n) FROM (
    SELECT v <~> (SELECT v FROM bit_queries WHERE q = 3) AS d, row_number() OVER () AS n
      FROM (SELECT v FROM bits ORDER BY v <~> (SELECT v FROM bit_queries WHERE q = 3) LIMIT 50) s) t) u;
RESET hannoy.ef_search;

-- inserts after the build, a vacuum, and rows equal to others
INSERT INTO bits SELECT i, ('x' || md5(i::text))::bit(128), NULL FROM generate_series(2001, 2300) i;
INSERT INTO bits SELECT id + 10000, v, vv FROM bits WHERE id <= 50;
DELETE FROM bits WHERE id % 3 = 0;
VACUUM bits;
-- 1534 rows of their own, and 33 copies that fold into an element or not
-- (whether the search meets the equal element first)
SELECT hannoy_verify('bits_hamming') BETWEEN 1534 AND 1567 AS hamming,
       hannoy_verify('bits_jaccard') BETWEEN 1534 AND 1567 AS jaccard,
       hannoy_verify('bits_varbit') BETWEEN 1334 AND 1367 AS varbit;
SELECT count(*) FROM (SELECT id FROM bits ORDER BY v <~> B'0'::bit(128) LIMIT 5) s;
SELECT array_agg(id ORDER BY id) AS equal_rows FROM (SELECT id FROM bits ORDER BY v <~> (SELECT v FROM bits WHERE id = 1) LIMIT 2) s;

-- errors: other lengths (22000), an empty bit string, more than 64000 bits (54000)
\set VERBOSITY sqlstate
INSERT INTO bits VALUES (-1, NULL, B'101');
SELECT id FROM bits ORDER BY vv <~> B'101' LIMIT 1;
CREATE TABLE bits_empty (v varbit);
INSERT INTO bits_empty VALUES ('');
CREATE INDEX ON bits_empty USING hannoy (v bit_hamming_ops);
CREATE TABLE bits_long (v bit(64001));
CREATE INDEX ON bits_long USING hannoy (v bit_hamming_ops);
\set VERBOSITY default
INSERT INTO bits VALUES (-1, NULL, B'101');
CREATE INDEX ON bits_empty USING hannoy (v bit_jaccard_ops);
CREATE INDEX ON bits_long USING hannoy (v bit_hamming_ops);

-- 64000 bits: a vector item spans pages
CREATE TABLE bits_wide (id int, v bit(64000));
INSERT INTO bits_wide SELECT i, repeat(CASE WHEN i % 2 = 0 THEN '10' ELSE '01' END || lpad(i::bit(30)::text, 30, '0'), 2000)::bit(64000)
  FROM generate_series(1, 40) i;
CREATE INDEX bits_wide_idx ON bits_wide USING hannoy (v bit_hamming_ops);
SELECT dimensions, storage FROM hannoy_metapage_info('bits_wide_idx');
SELECT hannoy_verify('bits_wide_idx');
SELECT id, v <~> (SELECT v FROM bits_wide WHERE id = 7) AS d FROM bits_wide
 ORDER BY v <~> (SELECT v FROM bits_wide WHERE id = 7) LIMIT 3;

-- The binary-quantization recipe: an expression index on the quantized
-- vectors finds candidates by Hamming distance, an exact re-order ranks them.
CREATE TABLE bq (id int, embedding vector(16));
INSERT INTO bq SELECT i, (SELECT array_agg(sin(i * 0.37 + d * 1.3) + cos(i * d * 0.11)) FROM generate_series(1, 16) d)::vector
  FROM generate_series(1, 1000) i;
CREATE INDEX bq_idx ON bq USING hannoy ((binary_quantize(embedding)::bit(16)) bit_hamming_ops);
SELECT dimensions, storage FROM hannoy_metapage_info('bq_idx');
EXPLAIN (COSTS OFF)
SELECT * FROM (
  SELECT * FROM bq ORDER BY binary_quantize(embedding)::bit(16) <~> binary_quantize('[1,-1,1,-1,1,-1,1,-1,1,-1,1,-1,1,-1,1,-1]'::vector) LIMIT 20
) c ORDER BY c.embedding <-> '[1,-1,1,-1,1,-1,1,-1,1,-1,1,-1,1,-1,1,-1]' LIMIT 5;
SELECT count(*) AS candidates, min(d) = 0 AS nearest_quantized FROM (
  SELECT binary_quantize(embedding)::bit(16) <~> binary_quantize((SELECT embedding FROM bq WHERE id = 9)) AS d
    FROM bq ORDER BY binary_quantize(embedding)::bit(16) <~> binary_quantize((SELECT embedding FROM bq WHERE id = 9)) LIMIT 20) c;
SELECT id FROM (
  SELECT * FROM bq ORDER BY binary_quantize(embedding)::bit(16) <~> binary_quantize((SELECT embedding FROM bq WHERE id = 9)) LIMIT 20
) c ORDER BY c.embedding <-> (SELECT embedding FROM bq WHERE id = 9) LIMIT 1;

DROP TABLE bits, bit_queries, bits_empty, bits_long, bits_wide, bq;
DROP FUNCTION bit_top10_matches(text, text);
