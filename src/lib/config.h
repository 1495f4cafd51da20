/*
 * config: relgate.json, read strictly.  Every key is known or an error,
 * every type is checked, every duration parsed, every error names
 * file:line:col.  What the file does not say gets the defaults of
 * DESIGN.md.  Nothing else reads relgate.json.
 */
#ifndef RELGATE_CONFIG_H
#define RELGATE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strlist {
	char **v;
	size_t n;
};

struct cfg_step {
	char *run;
	int64_t timeout_ms;       /* 0: none */
	int64_t idle_timeout_ms;  /* 0: none */
	int retries;
};

/* A boot check's timeout when relgate.json does not say. */
#define CONFIG_BOOT_TIMEOUT_MS 20000

struct cfg_boot {
	char *page;
	char *ready;
	int64_t timeout_ms;
};

struct cfg_check {
	char *name;
	bool is_boot;
	struct cfg_step step;        /* when !is_boot */
	struct cfg_boot boot;   /* when is_boot */
};

struct cfg_product {
	char *name;
	char *package;           /* workspace package name; default: the product's name */
	struct strlist inputs;
	bool has_build;
	struct cfg_step build;
	char *artifact;
	struct cfg_check *checks;
	size_t nchecks;
	struct strlist owners;
	char *url;
	int keep;
	bool snippet;            /* the early-error snippet goes into its pages (default) */
};

/*
 * A channel.  Secrets never live in relgate.json, which is committed: a
 * webhook URL that embeds a token (Slack's, Teams'), an SMTP password and
 * an API token are named by environment variable (url_env, password_env,
 * token_env) and read only when a message is sent.
 */
struct cfg_channel {
	char *name;
	char *type;              /* webhook, slack, teams, email, github, command */
	char *url, *url_env;     /* webhook, slack, teams: one of the two */
	struct strlist to;       /* email */
	char *smtp, *from, *user, *password_env;
	char *repo, *api_url;    /* github: owner/name and the API's base (else from the CI) */
	char *token_env;         /* github: default GITHUB_TOKEN */
	char *run;               /* command: the message's JSON on its stdin */
};

struct config {
	char *path;              /* NULL when there is no relgate.json */
	unsigned char digest[20];  /* SHA-1 of its text, zero without it */
	char *root;              /* the folder that holds it */
	struct strlist global_inputs;
	struct strlist ignore_root_deps;  /* root dependencies no product's build uses (globs) */
	struct cfg_product *products;
	size_t nproducts;
	bool products_given;     /* "products" present: else every package is one */
	struct cfg_channel *channels;
	size_t nchannels;
	char *store_path;
	char *listen;
	char *token_env;
	char *public_url;        /* where the snippet sends beacons: "/beacon" on the page's origin */
	struct strlist allowed_origins;   /* that may post beacons, besides the products' urls' */
	struct strlist trusted_proxies;   /* whose X-Forwarded-For names the client */
	bool serve_maps;         /* serve .map files under /p/ */
	int64_t bake_ms, interval_ms;
	bool auto_rollback;
	int fatal_events, fatal_clients;
	int64_t retention_ms;    /* how long the collector keeps events */
	struct strlist notify_plan;   /* the channels every release plan goes to (QA) */
	int64_t notify_timeout_ms;    /* the most a command waits for its deliveries */
	int64_t notify_retry_ms;      /* how long an undelivered message is retried */
};

/*
 * Read and validate the relgate.json at path.  Returns 0, or -1 after
 * printing every error found (not just the first).
 */
int config_load(struct config *c, const char *path);

/* Defaults for a workspace without relgate.json. */
void config_defaults(struct config *c);

/* Is s one of l's? */
bool strlist_has(const struct strlist *l, const char *s);
/* Add a copy of s to l unless it is there. */
void strlist_add_once(struct strlist *l, const char *s);
/* Free l's strings and l's array; l is empty after. */
void strlist_free(struct strlist *l);
struct cfg_product *config_product(const struct config *c, const char *name);
/* The channel of that name, or NULL. */
const struct cfg_channel *config_channel(const struct config *c, const char *name);
/* Does relgate.json say that no product's build uses the root dependency name? */
bool config_ignores_root_dep(const struct config *c, const char *name);
/*
 * Where relgate.json names product name: 1-based line and column of its
 * key.  Returns 0, or -1 when it cannot tell (the file changed, or is gone).
 */
int config_locate_product(const struct config *c, const char *name, int *line, int *col);
void config_release(struct config *c);

#endif
