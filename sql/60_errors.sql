-- Every bad input gets a clear error with its SQLSTATE, never a crash.

-- malformed text: 22P02 naming the type and the literal
SELECT sqlstate_of($$SELECT '[1,2'::vector$$);
SELECT sqlstate_of($$SELECT 'hello'::vector$$);
SELECT sqlstate_of($$SELECT '[1,2] x'::vector$$);
SELECT sqlstate_of($$SELECT '[1,,2]'::vector$$);
SELECT sqlstate_of($$SELECT '[1 2]'::vector$$);
SELECT sqlstate_of($$SELECT '1,2]'::vector$$);
SELECT sqlstate_of($$SELECT ''::vector$$);
SELECT sqlstate_of($$SELECT '[1,2,]'::vector$$);
SELECT sqlstate_of($$SELECT '[1,a]'::halfvec$$);
SELECT sqlstate_of($$SELECT '[1]]'::halfvec$$);

-- NaN and infinities in text: 22P02
SELECT sqlstate_of($$SELECT '[NaN]'::vector$$);
SELECT sqlstate_of($$SELECT '[1,Infinity]'::vector$$);
SELECT sqlstate_of($$SELECT '[-inf]'::vector$$);
SELECT sqlstate_of($$SELECT '[nan]'::halfvec$$);
SELECT sqlstate_of($$SELECT '[-Infinity]'::halfvec$$);
-- out of float4 range: 22003
SELECT sqlstate_of($$SELECT '[1e39]'::vector$$);
SELECT sqlstate_of($$SELECT '[-1e39]'::halfvec$$);

-- no dimensions: 22000; too many: 54000
SELECT sqlstate_of($$SELECT '[]'::vector$$);
SELECT sqlstate_of($$SELECT ' [ ] '::halfvec$$);
SELECT sqlstate_of($$SELECT ('[' || repeat('1,', 16000) || '1]')::vector$$);
SELECT sqlstate_of($$SELECT ('[' || repeat('1,', 16000) || '1]')::halfvec$$);
SELECT sqlstate_of($$SELECT array_fill(1, ARRAY[16001])::vector$$);
SELECT sqlstate_of($$SELECT '{}'::int[]::vector$$);
SELECT sqlstate_of($$SELECT '{}'::real[]::halfvec$$);

-- typmods: 22023 for bad modifiers, 22000 for a mismatch
SELECT sqlstate_of($$SELECT '[1]'::vector(0)$$);
SELECT sqlstate_of($$SELECT '[1]'::vector(16001)$$);
SELECT sqlstate_of($$SELECT '[1]'::halfvec(-1)$$);
SELECT sqlstate_of($$CREATE TABLE bad (v vector(2,3))$$);
SELECT sqlstate_of($$SELECT '[1,2]'::vector(3)$$);
SELECT sqlstate_of($$SELECT '[1,2]'::halfvec(3)$$);
SELECT sqlstate_of($$SELECT ARRAY[1,2]::vector(3)$$);
SELECT sqlstate_of($$SELECT '[1,2]'::vector::halfvec(3)$$);
SELECT sqlstate_of($$SELECT '[1,2]'::halfvec::vector(1)$$);

-- dimension mismatch in every binary operator: 22000 with both dims
SELECT sqlstate_of($$SELECT '[1,2]'::vector <-> '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::vector <#> '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::vector <=> '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::vector <+> '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::vector + '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::vector - '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::vector * '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT vector_l2_squared_distance('[1,2]', '[1,2,3]')$$);
SELECT sqlstate_of($$SELECT '[1,2]'::halfvec <-> '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::halfvec <#> '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::halfvec <=> '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::halfvec <+> '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::halfvec + '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::halfvec - '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT '[1,2]'::halfvec * '[1,2,3]'$$);
SELECT sqlstate_of($$SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) t(v)$$);
SELECT sqlstate_of($$SELECT sum(v) FROM (VALUES ('[1,2]'::halfvec), ('[1,2,3]')) t(v)$$);

-- arithmetic overflow: 22003
SELECT sqlstate_of($$SELECT '[3e38]'::vector + '[3e38]'$$);
SELECT sqlstate_of($$SELECT '[3e38]'::vector * '[10]'$$);
SELECT sqlstate_of($$SELECT '[1e-30]'::vector * '[1e-30]'$$);
SELECT sqlstate_of($$SELECT '[60000]'::halfvec + '[60000]'$$);

-- halfvec overflow (|x| > 65504): 22003
SELECT sqlstate_of($$SELECT '[65505]'::halfvec$$);
SELECT sqlstate_of($$SELECT '[-70000]'::halfvec$$);
SELECT sqlstate_of($$SELECT '[1e5]'::vector::halfvec$$);
SELECT sqlstate_of($$SELECT ARRAY[65504.5]::halfvec$$);
SELECT sqlstate_of($$SELECT ARRAY[1e6]::real[]::halfvec$$);

-- arrays: non-finite elements 22000, NULLs 22004, more than one dimension 22000
SELECT sqlstate_of($$SELECT ARRAY['NaN']::real[]::vector$$);
SELECT sqlstate_of($$SELECT ARRAY['Infinity']::double precision[]::vector$$);
SELECT sqlstate_of($$SELECT ARRAY['-Infinity']::real[]::halfvec$$);
SELECT sqlstate_of($$SELECT ARRAY['NaN']::numeric[]::vector$$);
SELECT sqlstate_of($$SELECT ARRAY[1e300]::double precision[]::vector$$);
SELECT sqlstate_of($$SELECT ARRAY[1e300]::numeric[]::vector$$);
SELECT sqlstate_of($$SELECT ARRAY[1, NULL]::int[]::vector$$);
SELECT sqlstate_of($$SELECT ARRAY[[1,2],[3,4]]::int[]::vector$$);

-- subvector ranges that leave no element: 22000
SELECT sqlstate_of($$SELECT subvector('[1,2,3]'::vector, 4, 1)$$);
SELECT sqlstate_of($$SELECT subvector('[1,2,3]'::vector, 1, 0)$$);
SELECT sqlstate_of($$SELECT subvector('[1,2,3]'::vector, -5, 3)$$);
SELECT sqlstate_of($$SELECT subvector('[1,2,3]'::halfvec, 2147483647, 2147483647)$$);

-- settings
SELECT sqlstate_of($$SET hannoy.kernels = 'sse9'$$);
SELECT sqlstate_of($$SET hannoy.no_such_setting = 1$$);
