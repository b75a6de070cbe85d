-- What a role without privileges can and cannot do.  Inspection functions
-- are not executable by PUBLIC; granted, they still need SELECT on (or
-- ownership of) the index's table, since an index holds its vectors and
-- hannoy_verify blocks its inserts while it runs.  hannoy.kernels is for
-- superusers.  Everything else a plain role can call errors cleanly.
CREATE ROLE regress_hannoy_plain;
CREATE ROLE regress_hannoy_owner;
CREATE TABLE sec_secret (id int, v vector(2));
INSERT INTO sec_secret VALUES (1, '[1,1]'), (2, '[2,2]');
CREATE INDEX sec_secret_v ON sec_secret USING hannoy (v);
CREATE TABLE sec_owned (id int, v vector(2));
ALTER TABLE sec_owned OWNER TO regress_hannoy_owner;
INSERT INTO sec_owned VALUES (1, '[1,1]');
CREATE INDEX sec_owned_v ON sec_owned USING hannoy (v);

SET ROLE regress_hannoy_plain;
-- not granted: 42501
SELECT sqlstate_of($$SELECT hannoy_verify('sec_secret_v')$$);
SELECT sqlstate_of($$SELECT dimensions FROM hannoy_metapage_info('sec_secret_v')$$);
RESET ROLE;
GRANT EXECUTE ON FUNCTION hannoy_verify(regclass), hannoy_metapage_info(regclass)
  TO regress_hannoy_plain, regress_hannoy_owner;

SET ROLE regress_hannoy_plain;
-- granted, but no SELECT on the table: 42501
SELECT sqlstate_of($$SELECT hannoy_verify('sec_secret_v')$$);
SELECT sqlstate_of($$SELECT dimensions FROM hannoy_metapage_info('sec_secret_v')$$);
-- not an index, or not a hannoy one: 42809 once allowed to look
SELECT sqlstate_of($$SELECT hannoy_verify('sec_secret')$$);
-- settings: hannoy.kernels is superuser-only, the search settings are not
SELECT sqlstate_of($$SET hannoy.kernels = 'portable'$$);
SET hannoy.ef_search = 100;
RESET hannoy.ef_search;
RESET ROLE;

GRANT SELECT ON sec_secret TO regress_hannoy_plain;
SET ROLE regress_hannoy_plain;
SELECT hannoy_verify('sec_secret_v');
SELECT dimensions, elements FROM hannoy_metapage_info('sec_secret_v');
RESET ROLE;
REVOKE SELECT ON sec_secret FROM regress_hannoy_plain;

-- the table's owner may inspect its index
SET ROLE regress_hannoy_owner;
SELECT hannoy_verify('sec_owned_v');
SELECT sqlstate_of($$SELECT hannoy_verify('sec_secret_v')$$);
RESET ROLE;

-- a plain role cannot crash the server through avg() states or bad input
SET ROLE regress_hannoy_plain;
SELECT sqlstate_of($$SELECT vector_avg(ARRAY[2::float8] || array_fill(NULL::float8, ARRAY[1000]))$$);
SELECT sqlstate_of($$SELECT halfvec_combine(array_fill(1::float8, ARRAY[20001]), '{1,2}')$$);
SELECT sqlstate_of($$SELECT '[1,2'::vector$$);
RESET ROLE;

DROP TABLE sec_secret, sec_owned;
REVOKE EXECUTE ON FUNCTION hannoy_verify(regclass), hannoy_metapage_info(regclass)
  FROM regress_hannoy_plain, regress_hannoy_owner;
DROP ROLE regress_hannoy_plain;
DROP ROLE regress_hannoy_owner;
