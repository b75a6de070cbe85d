-- Install the extension and a helper that shows an error's SQLSTATE with
-- its message, so the expected output pins both.
CREATE EXTENSION hannoy;
CREATE FUNCTION sqlstate_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT extname, extversion, extrelocatable FROM pg_extension WHERE extname = 'hannoy';
