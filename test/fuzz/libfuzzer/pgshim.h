/*-------------------------------------------------------------------------
 *
 * pgshim.h
 *	  The harness side of pgshim.c: the stand-ins for the PostgreSQL
 *	  backend that let src/vector_common.c, src/vector.c, src/halfvec.c
 *	  and src/sparsevec.c run inside a libFuzzer process with no server.
 *
 * palloc'd memory lives until pgshim_reset(), which the fuzz loop calls
 * after every input.  ereport(ERROR) longjmps to PG_exception_stack
 * (PG_TRY in the harness); the caught error's SQLSTATE and text stay
 * readable until the next ereport.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HANNOY_PGSHIM_H
#define HANNOY_PGSHIM_H

/* Free everything palloc'd since the last reset and forget the error. */
extern void pgshim_reset(void);

/* Number of live palloc chunks (a leak check for the harness). */
extern size_t pgshim_live_chunks(void);

/* The last error raised with ereport/elog. */
extern int	pgshim_error_code(void);
extern const char *pgshim_error_message(void);
extern const char *pgshim_error_detail(void);
extern void pgshim_clear_error(void);
extern const char *pgshim_sqlstate(int sqlerrcode);

/* Print every ereport to stderr (for reproducing one input by hand). */
extern bool pgshim_verbose;

#endif							/* HANNOY_PGSHIM_H */
