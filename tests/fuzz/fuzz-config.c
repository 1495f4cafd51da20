/*
 * fuzz-config: any bytes as relgate.json.  The text is written to one file,
 * made once, and read back with config_load, then released: crashes,
 * overreads and leaks are what this looks for.  A file that loads must hold
 * what the rest of relgate relies on.
 *
 * The file lives in memory (memfd_create, read through /proc/self/fd), so a
 * run costs no disk I/O; without memfd it is a temporary file in $TMPDIR or
 * /tmp, removed at exit.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *path;
static int fd = -1;

static bool temporary;

static void remove_file(void)
{
	if (temporary)
		unlink(path);
}

static void file_once(void)
{
	const char *tmp = getenv("TMPDIR");

	if (path)
		return;
	fd = memfd_create("relgate.json", MFD_CLOEXEC);
	if (fd >= 0) {
		path = xasprintf("/proc/self/fd/%d", fd);
		if (access(path, R_OK) == 0)
			return;
		close(fd);
		free(path);
	}
	path = xasprintf("%s/relgate-fuzz-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	temporary = true;
	atexit(remove_file);
}

static void check_loaded(const struct config *c)
{
	size_t i, j;

	for (i = 0; i < c->nproducts; i++) {
		const struct cfg_product *p = &c->products[i];

		if (!p->name || !*p->name || !p->package || p->keep < 1)
			abort();
		if (p->has_build && (!p->build.run || p->build.timeout_ms < 0))
			abort();
		for (j = 0; j < p->nchecks; j++) {
			const struct cfg_check *k = &p->checks[j];

			if (!k->name || (k->is_boot ? !k->boot.page || k->boot.timeout_ms <= 0
						    : !k->step.run))
				abort();
		}
		for (j = 0; j < p->owners.n; j++)
			if (!p->owners.v[j])
				abort();
	}
	for (i = 0; i < c->nchannels; i++)
		if (!c->channels[i].name || !c->channels[i].type)
			abort();
	if (!c->store_path || !c->listen || !c->token_env || c->bake_ms <= 0 ||
	    c->interval_ms <= 0 || c->fatal_events < 1 || c->fatal_clients < 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;

	file_once();
	if (pwrite(fd, data, size, 0) != (ssize_t)size || ftruncate(fd, (off_t)size) < 0)
		abort();
	if (config_load(&c, path) == 0)
		check_loaded(&c);
	config_release(&c);
	return 0;
}
