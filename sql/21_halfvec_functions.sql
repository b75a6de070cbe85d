-- distances, norms and arithmetic on halfvec
SELECT '[0,0]'::halfvec <-> '[3,4]', l2_distance('[0,0]'::halfvec, '[3,4]');
SELECT halfvec_l2_squared_distance('[0,0]'::halfvec, '[3,4]');
SELECT '[1,2]'::halfvec <#> '[3,4]', inner_product('[1,2]'::halfvec, '[3,4]');
SELECT '[1,2]'::halfvec <=> '[2,4]', cosine_distance('[1,0]'::halfvec, '[0,1]'),
       cosine_distance('[1,1]'::halfvec, '[-1,-1]');
SELECT cosine_distance('[0,0]'::halfvec, '[1,1]') AS zero_vector_is_nan;
SELECT '[0,0]'::halfvec <+> '[3,-4]', l1_distance('[1,2]'::halfvec, '[4,-2]');

SELECT n,
       halfvec_l2_squared_distance(a, z) = (n * (n + 1) * (2 * n + 1) / 6) AS l2_exact,
       a <#> a = -(n * (n + 1) * (2 * n + 1) / 6) AS ip_exact,
       a <+> z = n * (n + 1) / 2 AS l1_exact,
       abs(a <=> a) < 1e-6 AS self_cosine_zero
  FROM (SELECT n, (SELECT array_agg(i)::halfvec FROM generate_series(1, n) i) AS a,
               array_fill(0, ARRAY[n])::halfvec AS z
          FROM (SELECT generate_series(1, 40) UNION ALL SELECT 100 UNION ALL SELECT 300) s(n)) t
 ORDER BY n;

SELECT vector_dims('[1,2,3]'::halfvec);
SELECT l2_norm('[3,4]'::halfvec), l2_norm('[0,0]'::halfvec);
SELECT l2_normalize('[3,4]'::halfvec), l2_normalize('[0,0]'::halfvec);
SELECT subvector('[1,2,3,4,5]'::halfvec, 2, 3), subvector('[1,2,3,4,5]'::halfvec, -1, 3),
       subvector('[1,2,3,4,5]'::halfvec, 5, 3);

SELECT '[1,2,3]'::halfvec + '[4,5,6]', '[1,2,3]'::halfvec - '[4,5,6]', '[1,2,3]'::halfvec * '[4,5,6]';
-- results are rounded back to binary16
SELECT '[0.1]'::halfvec + '[0.2]', '[1000]'::halfvec * '[0.001]';
