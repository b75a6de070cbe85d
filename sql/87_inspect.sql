-- hannoy_metapage_info and hannoy_verify on what is not a valid hannoy
-- index: clean errors, never XX000 or a read of a missing page.
CREATE TABLE insp (id int, v vector(2));
INSERT INTO insp VALUES (1, '[1,2]'), (2, '[3,4]');
CREATE INDEX insp_btree ON insp (id);
SELECT sqlstate_of($$SELECT hannoy_verify(0::oid::regclass)$$);
SELECT sqlstate_of($$SELECT hannoy_metapage_info(4294967295::oid::regclass)$$);
SELECT sqlstate_of($$SELECT hannoy_verify('insp')$$);
SELECT sqlstate_of($$SELECT hannoy_verify('insp_btree')$$);
-- the check is on the access method's build routine (hannoy's): an index
-- of another access method is refused by both
SELECT sqlstate_of($$SELECT hannoy_metapage_info('insp_btree')$$);
SELECT sqlstate_of($$SELECT hannoy_metapage_info('pg_class')$$);
-- a failed CREATE INDEX CONCURRENTLY leaves an invalid index without pages
CREATE INDEX CONCURRENTLY insp_bad ON insp USING hannoy (v) WITH (m = 32, ef_construction = 40);
SELECT indisvalid FROM pg_index WHERE indexrelid = 'insp_bad'::regclass;
SELECT sqlstate_of($$SELECT hannoy_verify('insp_bad')$$);
SELECT sqlstate_of($$SELECT hannoy_metapage_info('insp_bad')$$);
DROP INDEX insp_bad;
CREATE INDEX insp_v ON insp USING hannoy (v);
SELECT hannoy_verify('insp_v');
DROP TABLE insp;
