-- arrays to vector/halfvec
SELECT ARRAY[1,2,3]::vector, ARRAY[1.5,-2.5]::real[]::vector,
       ARRAY[1.5,-2.5]::double precision[]::vector, ARRAY[1.5,-2.5]::numeric[]::vector;
SELECT ARRAY[1,2,3]::halfvec, ARRAY[1.5,-2.5]::real[]::halfvec,
       ARRAY[1.5,-2.5]::double precision[]::halfvec, ARRAY[1.5,-2.5]::numeric[]::halfvec;
SELECT '{1,2,3}'::int[]::vector(3), '{1,2,3}'::int[]::halfvec(3);
SELECT ARRAY[0.1]::double precision[]::vector;
-- vector/halfvec to real[]
SELECT '[1,2.5,-3]'::vector::real[], '[1,2.5,-3]'::halfvec::real[];
-- vector <-> halfvec
SELECT '[1.5,2,-3]'::vector::halfvec, '[1.5,2,-3]'::halfvec::vector;
SELECT '[0.1]'::vector::halfvec::vector;
SELECT '[1,2]'::vector::halfvec(2), '[1,2]'::halfvec::vector(2);
-- assignment casts
CREATE TABLE ct (v vector(3), h halfvec(3));
INSERT INTO ct VALUES (ARRAY[1,2,3], ARRAY[4,5,6]::real[]);
INSERT INTO ct VALUES ('[1,2,3]'::halfvec, '[7,8,9]'::vector);
SELECT * FROM ct;
DROP TABLE ct;
-- implicit vector -> halfvec lets mixed operands resolve to halfvec
SELECT '[0,0]'::vector <-> '[3,4]'::halfvec;
