-- vector text form: pgvector's syntax, shortest round-trip output
SELECT '[1,2,3]'::vector;
SELECT '[-1,-2.5,3e2]'::vector;
SELECT '[1.,2.,3.]'::vector;
SELECT ' [ 1 ,	2 ,
 3 ] '::vector;
SELECT '[0.1,1e-10,-0,1e30,3.4028235e38,-3.4028235e38]'::vector;
SELECT '[1.17549435e-38,1.4e-45]'::vector;
SELECT '[1.23456789,0.30000001192092896]'::vector;
-- every float4 reads back as itself
SELECT v::text::vector = v AS round_trip
  FROM (SELECT '[0.1,0.2,0.3,1e-7,123456.79,16777217,3.1415927]'::vector AS v) t;
SELECT NULL::vector;

-- typmod
SELECT '[1,2,3]'::vector(3);
CREATE TABLE vt (v vector(3));
INSERT INTO vt VALUES ('[1,2,3]'), (NULL);
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'vt'::regclass AND attname = 'v';
SELECT sqlstate_of($$INSERT INTO vt VALUES ('[1,2]')$$);
SELECT sqlstate_of($$SELECT '[1,2,3]'::vector(2)$$);
SELECT sqlstate_of($$UPDATE vt SET v = '[1,2,3,4]'$$);
SELECT * FROM vt;
DROP TABLE vt;

-- dimension limits: 1 and 16000 are fine
SELECT '[7]'::vector;
SELECT vector_dims(('[' || repeat('1,', 15999) || '1]')::vector);
SELECT vector_dims(array_fill(1, ARRAY[16000])::vector(16000));
