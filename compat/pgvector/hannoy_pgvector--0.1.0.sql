-- hannoy_pgvector 0.1.0: pgvector's index access method names, served by
-- hannoy.  Design and limits: src/README ("pgvector compatibility").

\echo Use "CREATE EXTENSION hannoy_pgvector" to load this file. \quit

-- A pgvector dump names pgvector's types, functions and operator classes
-- with one schema (public.vector, public.vector_l2_ops): this extension's
-- operator classes go into hannoy's schema, next to its types.
DO $$
DECLARE
	hannoy_schema regnamespace :=
		(SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'hannoy');
BEGIN
	IF EXISTS (SELECT FROM pg_extension WHERE extname = 'vector') THEN
		RAISE EXCEPTION 'hannoy_pgvector cannot be installed in a database that has pgvector'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Both define the index access methods hnsw and ivfflat.';
	END IF;
	IF hannoy_schema <> '@extschema@'::regnamespace THEN
		RAISE EXCEPTION 'hannoy_pgvector must be installed in hannoy''s schema %', hannoy_schema
			USING ERRCODE = 'invalid_schema_name',
				  HINT = format('CREATE EXTENSION hannoy_pgvector SCHEMA %s', hannoy_schema);
	END IF;
END
$$;

CREATE FUNCTION hannoy_pgvector_hnsw_handler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE ACCESS METHOD hnsw TYPE INDEX HANDLER hannoy_pgvector_hnsw_handler;
COMMENT ON ACCESS METHOD hnsw IS 'hannoy under pgvector''s name (hannoy_pgvector); settings hnsw.*';

CREATE FUNCTION hannoy_pgvector_ivfflat_handler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE ACCESS METHOD ivfflat TYPE INDEX HANDLER hannoy_pgvector_ivfflat_handler;
COMMENT ON ACCESS METHOD ivfflat IS 'refuses every index with a hint (hannoy_pgvector)';

-- pgvector's operator classes of hnsw (none of them a default, as there),
-- each with hannoy's support function of the same name
CREATE OPERATOR CLASS vector_l2_ops FOR TYPE vector USING hnsw AS
	OPERATOR 1 <-> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_vector_l2_ops_support(internal);
CREATE OPERATOR CLASS vector_ip_ops FOR TYPE vector USING hnsw AS
	OPERATOR 1 <#> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_vector_ip_ops_support(internal);
CREATE OPERATOR CLASS vector_cosine_ops FOR TYPE vector USING hnsw AS
	OPERATOR 1 <=> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_vector_cosine_ops_support(internal);
CREATE OPERATOR CLASS vector_l1_ops FOR TYPE vector USING hnsw AS
	OPERATOR 1 <+> (vector, vector) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_vector_l1_ops_support(internal);
CREATE OPERATOR CLASS halfvec_l2_ops FOR TYPE halfvec USING hnsw AS
	OPERATOR 1 <-> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_halfvec_l2_ops_support(internal);
CREATE OPERATOR CLASS halfvec_ip_ops FOR TYPE halfvec USING hnsw AS
	OPERATOR 1 <#> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_halfvec_ip_ops_support(internal);
CREATE OPERATOR CLASS halfvec_cosine_ops FOR TYPE halfvec USING hnsw AS
	OPERATOR 1 <=> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_halfvec_cosine_ops_support(internal);
CREATE OPERATOR CLASS halfvec_l1_ops FOR TYPE halfvec USING hnsw AS
	OPERATOR 1 <+> (halfvec, halfvec) FOR ORDER BY float_ops,
	FUNCTION 1 hannoy_halfvec_l1_ops_support(internal);

-- bit strings (hannoy 0.4.0) and sparse vectors: each operator class only
-- when the installed hannoy has its support function
DO $$
DECLARE
	c record;
BEGIN
	FOR c IN SELECT * FROM (VALUES
			('bit_hamming_ops', 'bit', '<~>'),
			('bit_jaccard_ops', 'bit', '<%>'),
			('sparsevec_l2_ops', 'sparsevec', '<->'),
			('sparsevec_ip_ops', 'sparsevec', '<#>'),
			('sparsevec_cosine_ops', 'sparsevec', '<=>'),
			('sparsevec_l1_ops', 'sparsevec', '<+>')) AS t (opclass, type, op)
	LOOP
		IF to_regprocedure(format('hannoy_%s_support(internal)', c.opclass)) IS NOT NULL THEN
			EXECUTE format('CREATE OPERATOR CLASS %I FOR TYPE %s USING hnsw AS '
						   'OPERATOR 1 %s (%s, %s) FOR ORDER BY float_ops, '
						   'FUNCTION 1 %I(internal)',
						   c.opclass, c.type, c.op, c.type, c.type,
						   format('hannoy_%s_support', c.opclass));
		END IF;
	END LOOP;
END
$$;
