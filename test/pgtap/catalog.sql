-- Catalog contracts of the vector and halfvec types (pgTAP).
BEGIN;
CREATE EXTENSION IF NOT EXISTS hannoy;
SELECT plan(68);

-- types
SELECT has_type('vector');
SELECT has_type('halfvec');
SELECT results_eq(
	$$SELECT typname::text COLLATE "default", typlen::int, typstorage::text, typreceive <> 0, typsend <> 0, typmodin <> 0
	    FROM pg_type WHERE typname IN ('vector', 'halfvec') ORDER BY 1$$,
	$$VALUES ('halfvec', -1, 'e', true, true, true), ('vector', -1, 'e', true, true, true)$$,
	'both types are varlena, stored external, with binary I/O and a typmod');
SELECT has_type('sparsevec');
SELECT results_eq(
	$$SELECT typlen::int, typstorage::text, typreceive <> 0, typsend <> 0, typmodin <> 0
	    FROM pg_type WHERE typname = 'sparsevec'$$,
	$$VALUES (-1, 'e', true, true, true)$$,
	'sparsevec (0.4.0) is varlena, stored external, with binary I/O and a typmod');
SELECT results_eq(
	$$SELECT format_type(c.castsource, NULL) COLLATE "default", format_type(c.casttarget, NULL) COLLATE "default",
	         c.castcontext::text
	    FROM pg_cast c WHERE 'sparsevec'::regtype IN (c.castsource, c.casttarget) ORDER BY 1, 2$$,
	$$VALUES ('double precision[]', 'sparsevec', 'a'), ('halfvec', 'sparsevec', 'i'),
	         ('integer[]', 'sparsevec', 'a'), ('numeric[]', 'sparsevec', 'a'), ('real[]', 'sparsevec', 'a'),
	         ('sparsevec', 'halfvec', 'a'), ('sparsevec', 'sparsevec', 'i'), ('sparsevec', 'vector', 'a'),
	         ('vector', 'sparsevec', 'i')$$,
	'sparsevec casts: implicit to it from vector and halfvec, by assignment from arrays and to vector and halfvec');
SELECT ok((SELECT extrelocatable FROM pg_extension WHERE extname = 'hannoy'),
	'the extension is relocatable');

-- operators, for both types
SELECT has_operator(t, op, t, 'double precision')
  FROM unnest(ARRAY['vector', 'halfvec']) t, unnest(ARRAY['<->', '<#>', '<=>', '<+>']) op;
SELECT has_operator(t, op, t, t)
  FROM unnest(ARRAY['vector', 'halfvec']) t, unnest(ARRAY['+', '-', '*']) op;
SELECT has_operator(t, op, t, 'boolean')
  FROM unnest(ARRAY['vector', 'halfvec']) t, unnest(ARRAY['<', '<=', '=', '<>', '>=', '>']) op;

SELECT is((SELECT count(*)::int FROM pg_operator o
	        WHERE o.oprname IN ('<->', '<#>', '<=>', '<+>', '+', '*')
	          AND o.oprleft IN ('vector'::regtype, 'halfvec'::regtype)
	          AND o.oprcom = o.oid),
	12, 'distance operators, + and * are their own commutators');
SELECT results_eq(
	$$SELECT o.oprname::text COLLATE "default", c.oprname::text COLLATE "default", n.oprname::text COLLATE "default"
	    FROM pg_operator o
	    JOIN pg_operator c ON c.oid = o.oprcom
	    JOIN pg_operator n ON n.oid = o.oprnegate
	   WHERE o.oprleft = 'vector'::regtype AND o.oprname IN ('<', '<=', '=', '<>', '>=', '>')
	   ORDER BY 1$$,
	$$VALUES ('<', '>', '>='), ('<=', '>=', '>'), ('<>', '<>', '='),
	         ('=', '=', '<>'), ('>', '<', '<='), ('>=', '<=', '<')$$,
	'vector comparison operators have commutators and negators');
SELECT results_eq(
	$$SELECT o.oprname::text COLLATE "default", c.oprname::text COLLATE "default", n.oprname::text COLLATE "default"
	    FROM pg_operator o
	    JOIN pg_operator c ON c.oid = o.oprcom
	    JOIN pg_operator n ON n.oid = o.oprnegate
	   WHERE o.oprleft = 'halfvec'::regtype AND o.oprname IN ('<', '<=', '=', '<>', '>=', '>')
	   ORDER BY 1$$,
	$$VALUES ('<', '>', '>='), ('<=', '>=', '>'), ('<>', '<>', '='),
	         ('=', '=', '<>'), ('>', '<', '<='), ('>=', '<=', '<')$$,
	'halfvec comparison operators have commutators and negators');

-- functions: immutable, strict, parallel safe
SELECT is_empty(
	$$SELECT p.oid::regprocedure
	    FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
	   WHERE d.refclassid = 'pg_extension'::regclass
	     AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'hannoy')
	     AND p.prokind = 'f'
	     AND p.proname NOT IN ('hannoy_handler', 'hannoy_metapage_info', 'hannoy_verify',
	                           'hannoy_ivf_list', 'hannoy_ivf_lists', 'hannoy_ivf_probe',
	                           'hannoy_ivf_set_centroids', 'hannoy_ivf_forget_dropped',
	                           'hannoy_ivf_insert', 'hannoy_ivf_create', 'hannoy_ivf_list_sizes',
	                           'hannoy_ivf_check_servers', 'hannoy_ivf_update')
	     AND (p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's')$$,
	'every type and opclass function is IMMUTABLE STRICT PARALLEL SAFE');
-- the IVF lists read a table: STABLE (never IMMUTABLE, so plans do not fold them)
SELECT results_eq(
	$$SELECT DISTINCT proname::text COLLATE "default", provolatile::text, proisstrict, proparallel::text FROM pg_proc
	   WHERE proname IN ('hannoy_ivf_list', 'hannoy_ivf_lists', 'hannoy_ivf_probe',
	                     'hannoy_ivf_set_centroids')
	   ORDER BY 1$$,
	$$VALUES ('hannoy_ivf_list', 's', true, 's'), ('hannoy_ivf_lists', 's', true, 's'),
	         ('hannoy_ivf_probe', 's', true, 's'), ('hannoy_ivf_set_centroids', 'v', true, 'u')$$,
	'IVF list functions are STABLE, storing centroids VOLATILE');
SELECT volatility_is('l2_distance', ARRAY['vector', 'vector'], 'immutable');
SELECT is_strict('cosine_distance', ARRAY['halfvec', 'halfvec']);
SELECT function_returns('vector_dims', ARRAY['halfvec'], 'integer');
SELECT function_returns('l2_norm', ARRAY['halfvec'], 'double precision');
SELECT function_returns('vector_norm', ARRAY['vector'], 'double precision');
SELECT function_returns('subvector', ARRAY['vector', 'integer', 'integer'], 'vector');

-- aggregates: parallel safe, with combine functions
SELECT is(
	(SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
	  WHERE p.proname IN ('avg', 'sum')
	    AND p.proargtypes[0] IN ('vector'::regtype, 'halfvec'::regtype)
	    AND a.aggcombinefn <> 0 AND p.proparallel = 's'),
	4, 'avg and sum over vector and halfvec are parallel safe with combine functions');

-- casts and their contexts
SELECT cast_context_is(src, dst, ctx) FROM (VALUES
	('integer[]', 'vector', 'assignment'), ('real[]', 'vector', 'assignment'),
	('double precision[]', 'vector', 'assignment'), ('numeric[]', 'vector', 'assignment'),
	('integer[]', 'halfvec', 'assignment'), ('real[]', 'halfvec', 'assignment'),
	('double precision[]', 'halfvec', 'assignment'), ('numeric[]', 'halfvec', 'assignment'),
	('vector', 'real[]', 'implicit'), ('halfvec', 'real[]', 'assignment'),
	('vector', 'halfvec', 'implicit'), ('halfvec', 'vector', 'assignment')) c(src, dst, ctx);

-- btree opclasses
SELECT has_opclass('vector_ops');
SELECT has_opclass('halfvec_ops');
SELECT ok((SELECT opcdefault FROM pg_opclass WHERE opcname = 'vector_ops'
	          AND opcmethod = (SELECT oid FROM pg_am WHERE amname = 'btree')),
	'vector_ops is the default btree opclass for vector');

-- the access method and its operator classes
SELECT ok(EXISTS (SELECT 1 FROM pg_am WHERE amname = 'hannoy' AND amtype = 'i'),
	'hannoy is an index access method');
SELECT results_eq(
	$$SELECT c.opcname::text COLLATE "default", format_type(c.opcintype, NULL) COLLATE "default", c.opcdefault
	    FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
	   WHERE a.amname = 'hannoy' ORDER BY 1$$,
	$$VALUES ('array_ops', 'anyarray', true),
	         ('bit_hamming_ops', 'bit', false), ('bit_jaccard_ops', 'bit', false),
	         ('bool_ops', 'boolean', true), ('date_ops', 'date', true),
	         ('halfvec_cosine_ops', 'halfvec', false), ('halfvec_cosine_pq_ops', 'halfvec', false),
	         ('halfvec_ip_ops', 'halfvec', false), ('halfvec_ip_pq_ops', 'halfvec', false),
	         ('halfvec_l1_ops', 'halfvec', false), ('halfvec_l2_ops', 'halfvec', true),
	         ('halfvec_l2_pq_ops', 'halfvec', false),
	         ('int2_ops', 'smallint', true), ('int4_ops', 'integer', true), ('int8_ops', 'bigint', true),
	         ('sparsevec_cosine_ops', 'sparsevec', false), ('sparsevec_ip_ops', 'sparsevec', false),
	         ('sparsevec_l1_ops', 'sparsevec', false), ('sparsevec_l2_ops', 'sparsevec', true),
	         ('text_ops', 'text', true), ('timestamp_ops', 'timestamp without time zone', true),
	         ('timestamptz_ops', 'timestamp with time zone', true), ('uuid_ops', 'uuid', true),
	         ('vector_cosine_fp16_ops', 'vector', false), ('vector_cosine_ops', 'vector', false),
	         ('vector_cosine_pq_ops', 'vector', false),
	         ('vector_ip_fp16_ops', 'vector', false), ('vector_ip_ops', 'vector', false),
	         ('vector_ip_pq_ops', 'vector', false),
	         ('vector_l1_ops', 'vector', false), ('vector_l2_fp16_ops', 'vector', false),
	         ('vector_l2_ops', 'vector', true), ('vector_l2_pq_ops', 'vector', false)$$,
	'the seventeen vector opclasses (six product-quantized), L2 the default for each type, the two bit opclasses (0.4.0, neither the default), the four sparsevec opclasses (0.4.0, L2 the default) and the ten attribute opclasses (0.4.0), each the default for its type');
SELECT results_eq(
	$$SELECT f.opfname::text COLLATE "default", count(*)::int, bool_and(o.amoppurpose = 's')
	    FROM pg_opfamily f JOIN pg_am a ON a.oid = f.opfmethod
	    JOIN pg_amop o ON o.amopfamily = f.oid
	   WHERE a.amname = 'hannoy' AND f.opfname IN ('integer_ops', 'datetime_ops', 'array_ops')
	   GROUP BY 1 ORDER BY 1$$,
	$$VALUES ('array_ops', 4, true), ('datetime_ops', 45, true), ('integer_ops', 45, true)$$,
	'attribute families hold search operators, every cross-type pair of their types included');
SELECT results_eq(
	$$SELECT c.opcname::text COLLATE "default", o.amopopr::regoperator::text COLLATE "default", o.amoppurpose::text
	    FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
	    JOIN pg_amop o ON o.amopfamily = c.opcfamily
	   WHERE a.amname = 'hannoy' AND c.opcname IN ('vector_l2_ops', 'vector_cosine_fp16_ops', 'halfvec_l1_ops',
	                                                'vector_ip_pq_ops', 'halfvec_cosine_pq_ops',
	                                                'bit_hamming_ops', 'bit_jaccard_ops')
	   ORDER BY 1$$,
	$$VALUES ('bit_hamming_ops', '<~>(bit,bit)', 'o'), ('bit_jaccard_ops', '<%>(bit,bit)', 'o'),
	         ('halfvec_cosine_pq_ops', '<=>(halfvec,halfvec)', 'o'),
	         ('halfvec_l1_ops', '<+>(halfvec,halfvec)', 'o'),
	         ('vector_cosine_fp16_ops', '<=>(vector,vector)', 'o'),
	         ('vector_ip_pq_ops', '<#>(vector,vector)', 'o'),
	         ('vector_l2_ops', '<->(vector,vector)', 'o')$$,
	'each opclass has its distance operator as an ORDER BY operator');
SELECT ok(NOT has_function_privilege('public', 'hannoy_verify(regclass)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'hannoy_metapage_info(regclass)', 'EXECUTE'),
	'the inspection functions are not executable by PUBLIC');

-- settings (visible once the library is loaded)
LOAD 'hannoy';
SELECT is(current_setting('hannoy.kernels') IN ('portable', 'avx2', 'avx512'), true,
	'hannoy.kernels shows the kernel set in use');
SELECT results_eq(
	$$SELECT name::text COLLATE "default", setting COLLATE "default", min_val COLLATE "default", max_val COLLATE "default"
	    FROM pg_settings WHERE name IN ('hannoy.ef_search', 'hannoy.max_scan_tuples', 'hannoy.scan_mem_multiplier',
	                                    'hannoy.rerank', 'hannoy.pq_training_rows') ORDER BY 1$$,
	$$VALUES ('hannoy.ef_search', '40', '1', '1000'),
	         ('hannoy.max_scan_tuples', '20000', '1', '2147483647'),
	         ('hannoy.pq_training_rows', '10000', '1', '2147483647'),
	         ('hannoy.rerank', '100', '0', '10000'),
	         ('hannoy.scan_mem_multiplier', '2', '1', '1000')$$,
	'ef_search, max_scan_tuples, scan_mem_multiplier, rerank and pq_training_rows defaults and bounds');
SELECT is((SELECT setting || ' ' || array_to_string(enumvals, ',') FROM pg_settings WHERE name = 'hannoy.iterative_scan'),
	'strict_order off,relaxed_order,strict_order',
	'iterative_scan is strict_order by default: a LIMIT above ef_search gets its rows');

SELECT * FROM finish();
ROLLBACK;
