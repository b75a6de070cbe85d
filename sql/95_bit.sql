-- Bit vectors (issue 13): Hamming and Jaccard distances on PostgreSQL's
-- bit type and binary quantization, as pgvector names them.
SELECT hamming_distance('1011', '1011'), hamming_distance('1011', '0100'),
	hamming_distance('1011', '1001'), B'1011' <~> B'0000';
SELECT jaccard_distance('1100', '1010'), jaccard_distance('1111', '1111'),
	jaccard_distance('1000', '0100'), B'1100' <%> B'1000';
-- neither has a bit set: distance 1, as pgvector
SELECT jaccard_distance('0000', '0000'), jaccard_distance('', ''), hamming_distance('', '');
-- lengths that are not whole bytes, and long strings (word by word, then byte by byte)
SELECT hamming_distance(repeat('10', 100)::bit(200), repeat('01', 100)::bit(200)),
	jaccard_distance(repeat('1', 131)::bit(131), (repeat('1', 65) || repeat('0', 66))::bit(131)),
	hamming_distance(repeat('1', 64001)::varbit, repeat('0', 64001)::varbit);
-- the operators commute and take varbit
SELECT B'101' <~> B'011' = B'011' <~> B'101' AS commutes, '101'::varbit <~> '111'::varbit;
-- NULL in, NULL out
SELECT hamming_distance(NULL, '1') IS NULL AND jaccard_distance('1', NULL) IS NULL AS strict;
-- different lengths: 22000
\set VERBOSITY sqlstate
SELECT hamming_distance('111', '11');
SELECT B'1' <%> B'10';
\set VERBOSITY default
SELECT jaccard_distance('111', '11');
-- binary quantization: a bit per dimension, set when the value is above zero
SELECT binary_quantize('[1,-2,0,3.5,-0.0,1e-30,-1e-30,7,8]'::vector),
	binary_quantize('[1,-2,0,3.5,-0.0,1e-30,-1e-30,7,8]'::halfvec),
	binary_quantize('[0.5]'::vector), length(binary_quantize(array_fill(1, ARRAY[16000])::vector));
-- the recipe: the Hamming distance of quantized vectors
SELECT binary_quantize('[1,2,-3,4]'::vector) <~> binary_quantize('[1,-2,-3,-4]'::vector) AS differ;
-- concatenation of vectors and halfvecs (issue 13)
SELECT '[1,2]'::vector || '[3]'::vector AS v, '[1,2]'::halfvec || '[3.5]'::halfvec AS h,
	vector_dims(array_fill(1, ARRAY[15999])::vector || '[2]') AS dims;
SELECT pg_typeof('[1]'::vector || '[2]'::vector), pg_typeof('[1]'::halfvec || '[2]'::halfvec);
\set VERBOSITY sqlstate
SELECT array_fill(1, ARRAY[16000])::vector || '[2]'::vector;
\set VERBOSITY default
SELECT array_fill(1, ARRAY[16000])::halfvec || '[2]'::halfvec;
SELECT ('[1,2]'::vector || NULL::vector) IS NULL AS strict;
