-- Catalog contracts of the vector and halfvec types (pgTAP).
BEGIN;
CREATE EXTENSION IF NOT EXISTS hannoy;
SELECT plan(57);

-- types
SELECT has_type('vector');
SELECT has_type('halfvec');
SELECT results_eq(
	$$SELECT typname::text COLLATE "default", typlen::int, typstorage::text, typreceive <> 0, typsend <> 0, typmodin <> 0
	    FROM pg_type WHERE typname IN ('vector', 'halfvec') ORDER BY 1$$,
	$$VALUES ('halfvec', -1, 'e', true, true, true), ('vector', -1, 'e', true, true, true)$$,
	'both types are varlena, stored external, with binary I/O and a typmod');
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
	     AND (p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's')$$,
	'every hannoy function is IMMUTABLE STRICT PARALLEL SAFE');
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

-- settings (visible once the library is loaded)
LOAD 'hannoy';
SELECT is(current_setting('hannoy.kernels') IN ('portable', 'avx2', 'avx512'), true,
	'hannoy.kernels shows the kernel set in use');

SELECT * FROM finish();
ROLLBACK;
