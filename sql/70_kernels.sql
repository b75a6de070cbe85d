-- The SIMD kernels agree with the portable ones on random data, for
-- lengths that exercise every main loop and tail.
SET hannoy.kernels = portable;
SHOW hannoy.kernels;
SELECT setseed(0.25);
CREATE TABLE kpairs AS
  SELECT id, d,
         (SELECT array_agg(random() * 2 - 1) FROM generate_series(1, d) WHERE id > 0)::vector AS a,
         (SELECT array_agg(random() * 2 - 1) FROM generate_series(1, d) WHERE id > 0)::vector AS b
    FROM (SELECT id, 1 + (id * 7) % 97 AS d FROM generate_series(1, 200) id
          UNION ALL SELECT 1000 + d, d FROM (VALUES (784), (1000), (1536)) v(d)) s;
CREATE TABLE kref AS
  SELECT id, a <-> b AS l2, a <#> b AS ip, a <=> b AS cos, a <+> b AS l1,
         a::halfvec <-> b::halfvec AS hl2, a::halfvec <#> b::halfvec AS hip,
         a::halfvec <=> b::halfvec AS hcos, a::halfvec <+> b::halfvec AS hl1,
         a::halfvec::vector AS a16
    FROM kpairs;

CREATE FUNCTION kernel_mismatches(kernel text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	BEGIN
		EXECUTE format('SET hannoy.kernels = %I', kernel);
	EXCEPTION WHEN invalid_parameter_value THEN
		RETURN 0;				-- this CPU cannot run it: nothing to compare
	END;
	SELECT count(*) INTO n
	  FROM kpairs p JOIN kref r USING (id)
	 WHERE abs((a <-> b) - l2) > 1e-4 * greatest(1, abs(l2))
	    OR abs((a <#> b) - ip) > 1e-4 * greatest(1, abs(ip))
	    OR abs((a <=> b) - cos) > 1e-4
	    OR abs((a <+> b) - l1) > 1e-4 * greatest(1, abs(l1))
	    OR abs((a::halfvec <-> b::halfvec) - hl2) > 1e-4 * greatest(1, abs(hl2))
	    OR abs((a::halfvec <#> b::halfvec) - hip) > 1e-4 * greatest(1, abs(hip))
	    OR abs((a::halfvec <=> b::halfvec) - hcos) > 1e-4
	    OR abs((a::halfvec <+> b::halfvec) - hl1) > 1e-4 * greatest(1, abs(hl1))
	    OR a::halfvec::vector <> a16;
	RESET hannoy.kernels;
	RETURN n;
END $$;

SELECT kernel, kernel_mismatches(kernel) FROM unnest(ARRAY['auto', 'avx2', 'avx512']) kernel;
RESET hannoy.kernels;
DROP TABLE kpairs, kref;
DROP FUNCTION kernel_mismatches(text);

-- The bit kernels (Hamming, Jaccard) of every set against counts of the
-- bit strings' text, for lengths through every loop and tail.
CREATE TABLE kbits AS
  SELECT id, a, b,
         length(replace((a # b)::text, '0', '')) AS differ,
         length(replace((a & b)::text, '0', '')) AS n_and,
         length(replace((a | b)::text, '0', '')) AS n_or
    FROM (SELECT id, (SELECT string_agg((random() < 0.5)::int::text, '') FROM generate_series(1, d)
                      WHERE id > 0)::varbit AS a,
                 (SELECT string_agg((random() < 0.3)::int::text, '') FROM generate_series(1, d)
                      WHERE id > 0)::varbit AS b
            FROM (SELECT id, 1 + (id * 13) % 700 AS d FROM generate_series(1, 200) id
                  UNION ALL SELECT 1000 + d, d FROM (VALUES (784), (1024), (64000)) v(d)) s) p;
CREATE FUNCTION bit_kernel_mismatches(kernel text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	BEGIN
		EXECUTE format('SET hannoy.kernels = %I', kernel);
	EXCEPTION WHEN invalid_parameter_value THEN
		RETURN 0;				-- this CPU cannot run it: nothing to compare
	END;
	SELECT count(*) INTO n FROM kbits
	 WHERE (a <~> b) <> differ
	    OR (a <%> b) <> CASE WHEN n_or = 0 THEN 1 ELSE 1 - n_and::float8 / n_or END;
	RESET hannoy.kernels;
	RETURN n;
END $$;
SELECT count(*) AS pairs, count(*) FILTER (WHERE differ > 0 AND n_and > 0) AS nontrivial FROM kbits;
SELECT kernel, bit_kernel_mismatches(kernel)
  FROM unnest(ARRAY['portable', 'auto', 'avx2', 'avx512']) kernel;
DROP TABLE kbits;
DROP FUNCTION bit_kernel_mismatches(text);
