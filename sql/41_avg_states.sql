-- The avg() state functions are callable from SQL with any float8[]:
-- every state is checked (one dimension, no NULLs, at most 16000 sums,
-- finite values, a non-negative count) before it is read, and the
-- average they make keeps the type's invariants.
-- NULLs in a state (these read past the array before: a server crash)
SELECT sqlstate_of($$SELECT vector_avg(ARRAY[2::float8] || array_fill(NULL::float8, ARRAY[1000000]))$$);
SELECT sqlstate_of($$SELECT halfvec_avg(ARRAY[2::float8] || array_fill(NULL::float8, ARRAY[1000000]))$$);
SELECT sqlstate_of($$SELECT vector_combine(ARRAY[2::float8] || array_fill(NULL::float8, ARRAY[1000000]),
                      ARRAY[2::float8] || array_fill(NULL::float8, ARRAY[1000000]))$$);
SELECT sqlstate_of($$SELECT halfvec_combine('{1,NULL}', '{1,2}')$$);
SELECT sqlstate_of($$SELECT vector_accum('{1,NULL}', '[1]')$$);
SELECT sqlstate_of($$SELECT halfvec_accum('{1,NULL}', '[1]')$$);
-- shape: more sums than a vector has dimensions (40001 wrapped to -25536 before)
SELECT sqlstate_of($$SELECT vector_avg(array_fill(1::float8, ARRAY[40001]))$$);
SELECT sqlstate_of($$SELECT vector_avg(array_fill(1::float8, ARRAY[20001]))$$);
SELECT sqlstate_of($$SELECT halfvec_avg(array_fill(1::float8, ARRAY[16002]))$$);
SELECT vector_dims(vector_avg(array_fill(1::float8, ARRAY[16001])));
SELECT sqlstate_of($$SELECT vector_avg('{{1,2},{3,4}}')$$);
SELECT sqlstate_of($$SELECT vector_avg('{}')$$);
SELECT sqlstate_of($$SELECT vector_combine('{}', '{0}')$$);
-- values: the count must be finite and not negative, every sum finite
SELECT sqlstate_of($$SELECT vector_avg('{NaN,1}')$$);
SELECT sqlstate_of($$SELECT vector_avg('{1,NaN}')$$);
SELECT sqlstate_of($$SELECT vector_avg('{Infinity,1}')$$);
SELECT sqlstate_of($$SELECT vector_avg('{1,-Infinity}')$$);
SELECT sqlstate_of($$SELECT vector_avg('{-1,2}')$$);
SELECT sqlstate_of($$SELECT vector_accum('{3}', '[1,2]')$$);
SELECT sqlstate_of($$SELECT vector_combine('{1,Infinity}', '{1,2}')$$);
-- averages beyond the element type's range are overflow errors, not infinities
SELECT sqlstate_of($$SELECT vector_avg('{1,1e300}')$$);
SELECT sqlstate_of($$SELECT vector_avg('{1e-300,1}')$$);
SELECT sqlstate_of($$SELECT halfvec_avg('{1,1e6}')$$);
SELECT sqlstate_of($$SELECT vector_combine('{1,1.7e308}', '{1,1.7e308}')$$);
SELECT sqlstate_of($$SELECT vector_avg(vector_combine('{1,1.7e308}', '{1,1.7e308}'))$$);
-- well-formed states still work
SELECT vector_avg('{0}') IS NULL AS empty;
SELECT vector_avg('{0,5,5}') IS NULL AS zero_count;
SELECT vector_avg('{2,4,6}'), halfvec_avg('{2,4,6}');
SELECT vector_accum('{0}', '[1,2]'), halfvec_accum('{1,1,2}', '[3,4]');
SELECT vector_combine('{1,2,3}', '{0}'), vector_combine('{0}', '{1,2,3}'),
       vector_combine('{1,2,3}', '{2,4,6}');
SELECT sqlstate_of($$SELECT vector_combine('{1,2}', '{1,2,3}')$$);
-- and an index never sees a vector avg() could not have made
CREATE TABLE avg_rows (v vector);
SELECT sqlstate_of($$INSERT INTO avg_rows VALUES (vector_avg('{1,1e300}'))$$);
INSERT INTO avg_rows VALUES (vector_avg('{2,4,6}'));
SELECT * FROM avg_rows;
DROP TABLE avg_rows;
