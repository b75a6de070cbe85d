-- Install the extension and a helper that shows an error's SQLSTATE with
-- its message (and detail, if any), so the expected output pins them.
CREATE EXTENSION hannoy;
CREATE FUNCTION sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END $$;
SELECT extname, extversion, extrelocatable FROM pg_extension WHERE extname = 'hannoy';
