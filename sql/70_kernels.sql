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
