/*
 * asan_first.c — LD_PRELOAD companion of the AddressSanitizer runtime for
 * the (uninstrumented) postgres server in test/sanitize.
 *
 * Why it exists: Debian's postgres links, through libldap/libsystemd,
 * libgpg-error and gnutls, whose ELF constructors call bindtextdomain()
 * before the preloaded ASan runtime has run its own constructor.  glibc's
 * bindtextdomain() takes _nl_state_lock for writing and then calls malloc();
 * that first malloc() lands in ASan's interceptor, which initialises the
 * runtime on the spot; the initialisation calls dlsym(), which fails (it
 * looks for swift_demangle) and so calls dlerror() -> dcgettext(), which
 * takes the same _nl_state_lock for reading (refused: this thread holds it
 * for writing) and then unlocks it anyway.  The lock's reader count goes
 * negative, and the server's own bindtextdomain("postgres-15") in main()
 * then waits on it for ever: postgres -V, initdb and pg_ctl start all hang.
 * (Running with LC_ALL=C or lc_messages=C does not help: the lock is taken
 * whatever the locale.)
 *
 * The fix here disables nothing: our bindtextdomain() makes sure the ASan
 * runtime is initialised (__asan_init(), idempotent) before glibc's
 * bindtextdomain() takes its lock, then forwards to it.  Messages stay
 * translatable, as in the normal server.
 *
 * The constructor also takes LD_PRELOAD out of the server's environment
 * once both libraries are loaded, so that programs the server starts
 * (archive_command, restore_command, ...) run without the ASan runtime.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

extern void __asan_init(void) __attribute__((weak));

char	   *bindtextdomain(const char *domainname, const char *dirname);

char *
bindtextdomain(const char *domainname, const char *dirname)
{
	static char *(*real_bindtextdomain) (const char *, const char *);

	if (__asan_init)
		__asan_init();
	if (real_bindtextdomain == NULL)
		real_bindtextdomain = (char *(*) (const char *, const char *))
			dlsym(RTLD_NEXT, "bindtextdomain");
	return real_bindtextdomain(domainname, dirname);
}

static void forget_preload(void) __attribute__((constructor));

static void
forget_preload(void)
{
	unsetenv("LD_PRELOAD");
}
