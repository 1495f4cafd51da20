/*
 * relgate runbook: doc/runbook.md, the process for a product failing in
 * production, printed with this workspace's names, releases and commands.
 * The text is in the binary (.incbin below), so that what the on-call
 * engineer reads is what the repository says.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/setup.h"
#include "cmd/cmd.h"
#include "lib/diag.h"
#include "lib/term.h"
#include "release/store.h"

/* doc/runbook.md, NUL-terminated, from the repository's root where make runs the compiler */
__asm__(".section .rodata\n"
	".global runbook_text\n"
	"runbook_text:\n"
	".incbin \"doc/runbook.md\"\n"
	".byte 0\n"
	".previous\n");
extern const char runbook_text[];

struct names {
	char **v;
	size_t n, cap;
};

static int add_product_name(const char *product, void *data)
{
	struct names *all = data;
	size_t i;

	for (i = 0; i < all->n; i++)
		if (!strcmp(all->v[i], product))
			return 0;
	GROW(all->v, all->n + 1, all->cap);
	all->v[all->n++] = xstrdup(product);
	return 0;
}


static const char runbook_usage[] =
	"usage: relgate runbook [PRODUCT]\n"
	"\n"
	"Prints the runbook for a fatal error in production (doc/runbook.md) with this\n"
	"workspace's names filled in: the product, its active and last good releases,\n"
	"its owners and address, and the exact commands, the rollback first.  Without\n"
	"PRODUCT, every product's releases first, then the runbook for any of them.\n";

struct fill {
	const char *key, *value;
};

/* The runbook's text with each {key} replaced. */
static void print_filled(const struct fill *f, size_t n)
{
	const char *p = runbook_text;

	while (*p) {
		size_t i, len;

		if (*p == '{') {
			for (i = 0; i < n; i++) {
				len = strlen(f[i].key);
				if (!strncmp(p + 1, f[i].key, len) && p[1 + len] == '}') {
					fputs(f[i].value, stdout);
					p += len + 2;
					break;
				}
			}
			if (i < n)
				continue;
		}
		putchar(*p++);
	}
}

int cmd_runbook(int argc, char **argv, struct setup *s)
{
	const char *product = argc > 1 ? argv[1] : NULL;
	const struct cfg_product *cp;
	char active[RELEASE_ID_MAX], good[RELEASE_ID_MAX], *store = NULL;
	struct names all = {0};
	struct buf owners = BUF_INIT;
	struct store st;
	size_t i;
	int ret = EXIT_OK;

	if (product && (!strcmp(product, "--help") || !strcmp(product, "-h"))) {
		fputs(runbook_usage, stdout);
		return EXIT_OK;
	}
	if (argc > 2 || (product && product[0] == '-')) {
		fputs(runbook_usage, stderr);
		return EXIT_USAGE;
	}
	if (product && store_check_name("product", product) < 0)
		return EXIT_USAGE;
	if (open_store(s, &st) < 0)
		return EXIT_ENV;
	store = xstrdup(st.root);
	if (!product) {
		/* every product the workspace or the store knows, with its releases */
		for (i = 0; i < s->cfg.nproducts; i++)
			add_product_name(s->cfg.products[i].name, &all);
		if (history_products(st.h, add_product_name, &all) < 0) {
			ret = EXIT_ENV;
			goto out;
		}
		printf("Products (active release, last good release):\n");
		for (i = 0; i < all.n; i++) {
			if (store_check_name("product", all.v[i]) < 0) {
				fault_clear();
				continue;
			}
			if (history_active(st.h, all.v[i], active) < 0 ||
			    history_last_good(st.h, all.v[i], good) < 0) {
				ret = EXIT_ENV;
				goto out;
			}
			printf("  %-20s %-9s %s\n", term_safe(all.v[i]), *active ? active : "none",
			       *good ? good : "none");
		}
		printf("\n");
	}
	if (product) {
		if (history_active(st.h, product, active) < 0 ||
		    history_last_good(st.h, product, good) < 0) {
			ret = EXIT_ENV;
			goto out;
		}
		if (!*active)
			snprintf(active, sizeof(active), "ACTIVE");
		if (!*good)
			snprintf(good, sizeof(good), "(none yet)");
	} else {
		snprintf(active, sizeof(active), "ACTIVE");
		snprintf(good, sizeof(good), "GOOD");
	}
	cp = product ? config_product(&s->cfg, product) : NULL;
	buf_init(&owners);
	for (i = 0; cp && i < cp->owners.n; i++)
		buf_addf(&owners, "%s%s", i ? ", " : "", cp->owners.v[i]);
	{
		const struct fill fill[] = {
			{"product", product ? product : "PRODUCT"},
			{"root", s->root},
			{"store", store},
			{"active", active},
			{"good", good},
			{"url", cp && cp->url ? cp->url : "(its address: \"url\" in relgate.json)"},
			{"owners", owners.len ? owners.data : "(its \"owners\" in relgate.json)"},
		};

		print_filled(fill, ARRAY_LEN(fill));
	}
out:
	for (i = 0; i < all.n; i++)
		free(all.v[i]);
	free(all.v);
	buf_release(&owners);
	free(store);
	store_close(&st);
	return ret;
}
