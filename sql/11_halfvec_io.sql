-- halfvec text form: values rounded to binary16, printed as the shortest
-- float4 that reads back as the same half
SELECT '[1,2,3]'::halfvec;
SELECT '[1.1,-0.5,65504,-65504]'::halfvec;
SELECT ' [ 0.1 ,0.2 ] '::halfvec;
-- ties round to even: 2049 -> 2048, 2051 -> 2052
SELECT '[2049,2051,1025.5]'::halfvec;
-- smallest normal, smallest subnormal, and underflow to zero
SELECT '[6.1035156e-05,5.9604645e-08,2.9e-08,1e-9,-0]'::halfvec;
SELECT h::text::halfvec = h AS round_trip
  FROM (SELECT '[0.1,0.2,0.3,1e-7,123.456,65504,3.1415927]'::halfvec AS h) t;
SELECT NULL::halfvec;

-- typmod
SELECT '[1,2,3]'::halfvec(3);
CREATE TABLE ht (h halfvec(2));
INSERT INTO ht VALUES ('[1,2]');
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'ht'::regclass AND attname = 'h';
SELECT sqlstate_of($$INSERT INTO ht VALUES ('[1,2,3]')$$);
SELECT * FROM ht;
DROP TABLE ht;

SELECT vector_dims(array_fill(1, ARRAY[16000])::halfvec(16000));
