-- total order: element by element, then the shorter vector first
SELECT '[1,2,3]'::vector < '[1,2,4]', '[1,2,3]'::vector <= '[1,2,3]', '[1,2,3]'::vector = '[1,2,3]',
       '[1,2,3]'::vector <> '[1,2,3]', '[2]'::vector >= '[1,9]', '[1,2]'::vector > '[1,2,0]';
SELECT vector_cmp('[1,2]', '[1,2]'), vector_cmp('[1,2]', '[1,3]'), vector_cmp('[1,2,0]', '[1,2]');
SELECT '[1,2]'::halfvec < '[1,3]', '[1,2]'::halfvec = '[1,2]', halfvec_cmp('[1,2]', '[1,2,3]');
SELECT '[-0]'::vector = '[0]' AS negative_zero_equals_zero;

CREATE TABLE bt (id int, v vector, h halfvec);
INSERT INTO bt SELECT i, ARRAY[i % 5, i]::vector, ARRAY[i % 5, i]::halfvec FROM generate_series(1, 20) i;
CREATE INDEX bt_v ON bt (v);
CREATE INDEX bt_h ON bt (h);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM bt WHERE v = '[2,7]';
SELECT id FROM bt WHERE v = '[2,7]';
SELECT id FROM bt WHERE h = '[3,8]';
SELECT id, v FROM bt ORDER BY v LIMIT 5;
SELECT DISTINCT v FROM (VALUES ('[1,2]'::vector), ('[1,2]'), ('[2,1]')) t(v) ORDER BY v;
RESET enable_seqscan;
DROP TABLE bt;
