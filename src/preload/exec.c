/* SPDX-License-Identifier: MIT */
/*
 * execve: the next program gets the shim too (docs/PRELOAD.md), through
 * its LD_PRELOAD and the stub address passed on in its environment.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "preload/preload.h"
#include "preload/shim_name.h"

/* The shim's own absolute path. */
static char shim_path[PATH_MAX];
/*
 * What LD_PRELOAD must hold for the shim to load in an exec'd program: the
 * value we were started with when it names us (it may put a sanitizer
 * runtime first, which must stay first), else our own path.
 */
static char preload_value[2 * PATH_MAX];

static bool is_marker(const char *e)
{
	return !strncmp(e, ENV_STUB "=", sizeof(ENV_STUB)) ||
	       !strncmp(e, ENV_INJECTED "=", sizeof(ENV_INJECTED)) ||
	       !strncmp(e, ENV_ORIG "=", sizeof(ENV_ORIG));
}

static char *put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *put_hex(char *p, unsigned long v)
{
	char tmp[17];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*p++ = '0';
	*p++ = 'x';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/*
 * Run a trapped execve/execveat with the environment amended: the stub
 * address for the next shim, and the shim itself in LD_PRELOAD when the
 * program dropped it (the next program then passes io_uring straight to the
 * kernel, as if no shim were there, instead of dying of our trap).  Runs in
 * the SIGSYS handler, maybe in a vfork child on a small stack: no malloc.
 */
long do_exec(long nr, long *a)
{
	char *const *envp = (char *const *)(nr == SYS_execve ? a[2] : a[3]);
	const char *preload = NULL;
	size_t n = 0, strsz, arrsz, total;
	char stackbuf[8192], *buf, *p, **out;
	bool mapped = false;
	long ret;

	if (envp)
		for (; envp[n]; n++)
			if (!strncmp(envp[n], "LD_PRELOAD=", 11))
				preload = envp[n] + 11;
	strsz = 3 * 32 + strlen(preload_value) + (preload ? 2 * strlen(preload) : 0) + 64;
	arrsz = (n + 4) * sizeof(char *);
	total = arrsz + strsz;
	if (total <= sizeof(stackbuf)) {
		buf = stackbuf;
	} else {
		/* Leaks in a vfork parent if the exec succeeds; only for huge environments. */
		buf = (char *)sys(SYS_mmap, 0, (long)total, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if ((unsigned long)buf > -4096UL)
			return (long)buf;
		mapped = true;
	}
	out = (char **)buf;
	p = buf + arrsz;
	n = 0;
	if (envp)
		for (char *const *e = envp; *e; e++)
			if (!is_marker(*e) && strncmp(*e, "LD_PRELOAD=", 11))
				out[n++] = *e;
	out[n++] = p;
	p = put(p, ENV_STUB "=");
	p = put_hex(p, (unsigned long)shim_stub);
	*p++ = '\0';
	out[n++] = p;
	p = put(p, "LD_PRELOAD=");
	if (!preload || !names_shim(preload)) {
		p = put(p, preload_value);
		if (preload && *preload) {
			*p++ = ':';
			p = put(p, preload);
		}
		*p++ = '\0';
		out[n++] = p;
		p = put(p, ENV_INJECTED "=1");
		*p++ = '\0';
		if (preload) {
			out[n++] = p;
			p = put(p, ENV_ORIG "=");
			p = put(p, preload);
			*p++ = '\0';
		}
	} else {
		p = put(p, preload);
		*p++ = '\0';
	}
	out[n] = NULL;
	if (nr == SYS_execve)
		ret = sys(SYS_execve, a[0], a[1], (long)out, 0, 0, 0);
	else
		ret = sys(SYS_execveat, a[0], a[1], a[2], (long)out, a[4], 0);
	if (mapped)
		sys(SYS_munmap, (long)buf, (long)total, 0, 0, 0, 0);
	return ret;
}

/*
 * At load: what LD_PRELOAD of exec'd programs must hold, and the environment
 * put back as the program had it when a trapped execve injected the shim
 * into a program that did not ask for it (the return value: then the shim
 * only keeps the program alive, the kernel serves it).
 */
bool exec_init(void)
{
	const char *env;
	Dl_info info;
	bool injected;

	env = getenv("LD_PRELOAD");
	if (env && names_shim(env) && strlen(env) < sizeof(preload_value))
		strcpy(preload_value, env);

	/* Injected by a trapped execve into a program that did not ask for us. */
	injected = getenv(ENV_INJECTED) != NULL;
	if (injected) {
		const char *orig = getenv(ENV_ORIG);
		size_t pl = strlen(preload_value), ol = orig ? strlen(orig) : 0;

		/* What we injected was preload_value[:orig]: keep only our part. */
		if (orig && pl > ol && preload_value[pl - ol - 1] == ':' &&
		    !strcmp(preload_value + pl - ol, orig))
			preload_value[pl - ol - 1] = '\0';

		if (orig)
			setenv("LD_PRELOAD", orig, 1);
		else
			unsetenv("LD_PRELOAD");
		unsetenv(ENV_INJECTED);
		unsetenv(ENV_ORIG);
	}

	/* The absolute path goes into the LD_PRELOAD of programs we exec. */
	if (dladdr((void *)exec_init, &info) && info.dli_fname &&
	    !realpath(info.dli_fname, shim_path))
		snprintf(shim_path, sizeof(shim_path), "%s", info.dli_fname);
	if (!preload_value[0])
		snprintf(preload_value, sizeof(preload_value), "%s", shim_path);
	return injected;
}
