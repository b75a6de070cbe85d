-- distances, norms and arithmetic on vector; inputs are small integers so
-- every kernel (portable, AVX2, AVX-512) gives the exact same sums
SELECT '[0,0]'::vector <-> '[3,4]', l2_distance('[0,0]'::vector, '[3,4]');
SELECT vector_l2_squared_distance('[0,0]'::vector, '[3,4]');
SELECT '[1,2]'::vector <#> '[3,4]', inner_product('[1,2]'::vector, '[3,4]');
SELECT '[1,2]'::vector <=> '[2,4]', cosine_distance('[1,0]'::vector, '[0,1]'),
       cosine_distance('[1,1]'::vector, '[-1,-1]'), cosine_distance('[3,0]'::vector, '[1,1]');
SELECT cosine_distance('[0,0]'::vector, '[1,1]') AS zero_vector_is_nan;
SELECT '[0,0]'::vector <+> '[3,-4]', l1_distance('[1,2]'::vector, '[4,-2]');
-- commutators give the same result
SELECT '[3,4]'::vector <-> '[0,0]', '[3,4]'::vector <#> '[1,2]', '[3,4]'::vector <+> '[0,0]';

-- long vectors: the SIMD main loops and their tails (1..n, n = 1..40, 100 and 300; sums stay below 2^24)
SELECT n,
       a <-> z AS l2, vector_l2_squared_distance(a, z) = (n * (n + 1) * (2 * n + 1) / 6) AS l2_exact,
       a <#> a = -(n * (n + 1) * (2 * n + 1) / 6) AS ip_exact,
       a <+> z = n * (n + 1) / 2 AS l1_exact,
       abs(a <=> a) < 1e-6 AS self_cosine_zero
  FROM (SELECT n, (SELECT array_agg(i)::vector FROM generate_series(1, n) i) AS a,
               array_fill(0, ARRAY[n])::vector AS z
          FROM (SELECT generate_series(1, 40) UNION ALL SELECT 100 UNION ALL SELECT 300) s(n)) t
 ORDER BY n;

SELECT vector_dims('[1,2,3]'::vector);
SELECT vector_norm('[3,4]'::vector), vector_norm('[0,0,0]'::vector);
SELECT l2_normalize('[3,4]'::vector), l2_normalize('[0,0]'::vector), l2_normalize('[-2]'::vector);

SELECT subvector('[1,2,3,4,5]'::vector, 2, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 1, 5);
SELECT subvector('[1,2,3,4,5]'::vector, 0, 3);
SELECT subvector('[1,2,3,4,5]'::vector, 4, 10);
SELECT subvector('[1,2,3,4,5]'::vector, -2, 4);

SELECT '[1,2,3]'::vector + '[4,5,6]', '[1,2,3]'::vector - '[4,5,6]', '[1,2,3]'::vector * '[4,5,6]';
SELECT '[1.5,-2]'::vector * '[2,0.25]';
