/*
 * config: the schema of relgate.json lives here, as code that walks the
 * parsed document and reports with positions through jsonfile.
 */
#include <errno.h>
#include <nettle/sha1.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"
#include "lib/config.h"
#include "lib/diag.h"
#include "lib/glob.h"
#include "lib/jsonfile.h"
#include "lib/util.h"

#define CONFIG_MAX_BYTES (4 * 1024 * 1024)

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* The member key of obj, or NULL; with required, a missing key is an error. */
static json_t *member(struct jdoc *d, json_t *obj, const char *key, bool required)
{
	json_t *v = json_object_get(obj, key);

	if (!v && required)
		jdoc_error(d, false, "\"%s\" is required in %s", key, jdoc_path(d));
	return v;
}

static char *get_string(struct jdoc *d, json_t *obj, const char *key, bool required)
{
	json_t *v = member(d, obj, key, required);
	char *s = NULL;

	if (!v)
		return NULL;
	jdoc_push_key(d, key);
	if (!json_is_string(v))
		jdoc_error(d, false, "%s must be a string, not %s", jdoc_path(d), json_type_name(v));
	else if (!json_string_length(v))
		jdoc_error(d, false, "%s must not be empty", jdoc_path(d));
	else if (strlen(json_string_value(v)) != json_string_length(v))
		jdoc_error(d, false, "%s holds a NUL character", jdoc_path(d));
	else
		s = xstrdup(json_string_value(v));
	jdoc_pop(d);
	return s;
}

static int64_t get_duration(struct jdoc *d, json_t *obj, const char *key, int64_t def)
{
	json_t *v = member(d, obj, key, false);
	int64_t ms = def;

	if (!v)
		return def;
	jdoc_push_key(d, key);
	if (!json_is_string(v) || parse_duration(json_string_value(v), &ms) < 0)
		jdoc_error(d, false, "%s must be a duration like \"500ms\", \"20s\", \"5m\" or \"1h\"",
			   jdoc_path(d));
	else if (ms == 0)
		jdoc_error(d, false, "%s must be longer than zero", jdoc_path(d));
	jdoc_pop(d);
	return ms;
}

static int get_int(struct jdoc *d, json_t *obj, const char *key, int def, int min, int max)
{
	json_t *v = member(d, obj, key, false);
	int r = def;

	if (!v)
		return def;
	jdoc_push_key(d, key);
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		jdoc_error(d, false, "%s must be a whole number from %d to %d", jdoc_path(d), min, max);
	else
		r = (int)json_integer_value(v);
	jdoc_pop(d);
	return r;
}

static bool get_bool(struct jdoc *d, json_t *obj, const char *key, bool def)
{
	json_t *v = member(d, obj, key, false);
	bool r = def;

	if (!v)
		return def;
	jdoc_push_key(d, key);
	if (!json_is_boolean(v))
		jdoc_error(d, false, "%s must be true or false", jdoc_path(d));
	else
		r = json_is_true(v);
	jdoc_pop(d);
	return r;
}

static void get_strlist(struct jdoc *d, json_t *obj, const char *key, struct strlist *out,
			bool globs)
{
	json_t *v = member(d, obj, key, false), *item;
	size_t i;

	if (!v)
		return;
	jdoc_push_key(d, key);
	if (!json_is_array(v)) {
		jdoc_error(d, false, "%s must be an array of strings", jdoc_path(d));
		jdoc_pop(d);
		return;
	}
	out->v = xcalloc(json_array_size(v) + 1, sizeof(*out->v));
	json_array_foreach(v, i, item) {
		const char *why;

		jdoc_push_index(d, i);
		if (!json_is_string(item) || !json_string_length(item)) {
			jdoc_error(d, false, "%s must be a non-empty string", jdoc_path(d));
		} else if (globs && (why = glob_check(json_string_value(item)))) {
			jdoc_error(d, false, "%s: bad pattern: %s", jdoc_path(d), why);
		} else if (globs && (json_string_value(item)[0] == '/' ||
				     strstr(json_string_value(item), ".."))) {
			jdoc_error(d, false, "%s must be relative to the workspace and stay inside it",
				   jdoc_path(d));
		} else {
			out->v[out->n++] = xstrdup(json_string_value(item));
		}
		jdoc_pop(d);
	}
	jdoc_pop(d);
}

static bool expect_object(struct jdoc *d, json_t *v)
{
	if (json_is_object(v))
		return true;
	jdoc_error(d, false, "%s must be an object, not %s", jdoc_path(d), json_type_name(v));
	return false;
}

static void load_step(struct jdoc *d, json_t *obj, struct cfg_step *s, bool with_run)
{
	static const char *const keys[] = {"run", "timeout", "idleTimeout", "retries", NULL};
	static const char *const check_keys[] = {"name", "run", "timeout", "idleTimeout",
						 "retries", NULL};

	jdoc_check_keys(d, obj, with_run ? keys : check_keys);
	s->run = get_string(d, obj, "run", true);
	s->timeout_ms = get_duration(d, obj, "timeout", 0);
	s->idle_timeout_ms = get_duration(d, obj, "idleTimeout", 0);
	s->retries = get_int(d, obj, "retries", 0, 0, 100);
}

static void load_check(struct jdoc *d, json_t *obj, struct cfg_check *c)
{
	static const char *const boot_keys[] = {"page", "ready", "timeout", NULL};
	json_t *boot;

	if (!expect_object(d, obj))
		return;
	c->name = get_string(d, obj, "name", true);
	boot = json_object_get(obj, "boot");
	if (!boot) {
		load_step(d, obj, &c->step, false);
		return;
	}
	c->is_boot = true;
	{
		static const char *const keys[] = {"name", "boot", NULL};

		jdoc_check_keys(d, obj, keys);
	}
	jdoc_push_key(d, "boot");
	if (expect_object(d, boot)) {
		jdoc_check_keys(d, boot, boot_keys);
		c->boot.page = get_string(d, boot, "page", false);
		c->boot.ready = get_string(d, boot, "ready", false);
		c->boot.timeout_ms = get_duration(d, boot, "timeout", CONFIG_BOOT_TIMEOUT_MS);
	}
	jdoc_pop(d);
	if (!c->boot.page)
		c->boot.page = xstrdup("index.html");
}

static void load_product(struct jdoc *d, const char *name, json_t *obj, struct cfg_product *p)
{
	static const char *const keys[] = {"package", "inputs", "build", "artifact", "checks",
					   "owners", "url", "keep", "snippet", NULL};
	json_t *v, *item;
	size_t i;

	p->name = xstrdup(name);
	p->keep = 20;
	if (!expect_object(d, obj))
		return;
	jdoc_check_keys(d, obj, keys);
	p->package = get_string(d, obj, "package", false);
	if (!p->package)
		p->package = xstrdup(name);
	get_strlist(d, obj, "inputs", &p->inputs, true);
	if ((v = json_object_get(obj, "build"))) {
		jdoc_push_key(d, "build");
		if (expect_object(d, v)) {
			p->has_build = true;
			load_step(d, v, &p->build, true);
		}
		jdoc_pop(d);
	}
	p->artifact = get_string(d, obj, "artifact", false);
	if (p->artifact) {
		char *norm = xstrdup(p->artifact);

		/* the artifact is served and stored: it must be a folder of the workspace */
		if (p->artifact[0] == '/' || path_normalize(norm) < 0 || !*norm) {
			jdoc_push_key(d, "artifact");
			jdoc_error(d, false, "\"artifact\" must be a folder inside the workspace, "
				   "relative to relgate.json: \"%s\" is not", p->artifact);
			jdoc_pop(d);
		}
		free(norm);
	}
	if ((v = json_object_get(obj, "checks"))) {
		jdoc_push_key(d, "checks");
		if (!json_is_array(v)) {
			jdoc_error(d, false, "%s must be an array", jdoc_path(d));
		} else {
			p->checks = xcalloc(json_array_size(v) + 1, sizeof(*p->checks));
			json_array_foreach(v, i, item) {
				size_t j;
				struct cfg_check *c = &p->checks[p->nchecks];

				jdoc_push_index(d, i);
				load_check(d, item, c);
				/* a step's name names its log and its testcase: one each */
				for (j = 0; c->name && j < p->nchecks; j++)
					if (p->checks[j].name && !strcmp(p->checks[j].name, c->name))
						jdoc_error(d, false, "two checks are named \"%s\"",
							   p->checks[j].name);
				if (c->name && p->has_build && !strcmp(c->name, "build"))
					jdoc_error(d, false, "a check may not be named \"build\": that is "
						   "the product's build step");
				if (c->name && c->is_boot && !p->artifact)
					jdoc_error(d, false, "the boot check \"%s\" needs the product's "
						   "\"artifact\", the folder to serve", c->name);
				p->nchecks++;
				jdoc_pop(d);
			}
		}
		jdoc_pop(d);
	}
	get_strlist(d, obj, "owners", &p->owners, false);
	p->url = get_string(d, obj, "url", false);
	p->keep = get_int(d, obj, "keep", 20, 1, 100000);
	p->snippet = get_bool(d, obj, "snippet", true);
}

/* An address for a header and the envelope: an "@", no line break, no other control character. */
static bool mail_address_ok(const char *a)
{
	if (!strchr(a, '@'))
		return false;
	for (; *a; a++)
		if ((unsigned char)*a < 0x20 || *a == 0x7f)
			return false;
	return true;
}

static void load_channel(struct jdoc *d, const char *name, json_t *obj, struct cfg_channel *ch)
{
	static const char *const keys[] = {"type", "url", "urlEnv", "to", "smtp", "from", "user",
					   "passwordEnv", "repo", "apiUrl", "tokenEnv", "run", NULL};
	const char *t;

	ch->name = xstrdup(name);
	if (!expect_object(d, obj))
		return;
	jdoc_check_keys(d, obj, keys);
	ch->type = get_string(d, obj, "type", true);
	ch->url = get_string(d, obj, "url", false);
	ch->url_env = get_string(d, obj, "urlEnv", false);
	get_strlist(d, obj, "to", &ch->to, false);
	ch->smtp = get_string(d, obj, "smtp", false);
	ch->from = get_string(d, obj, "from", false);
	ch->user = get_string(d, obj, "user", false);
	ch->password_env = get_string(d, obj, "passwordEnv", false);
	ch->repo = get_string(d, obj, "repo", false);
	ch->api_url = get_string(d, obj, "apiUrl", false);
	ch->token_env = get_string(d, obj, "tokenEnv", false);
	ch->run = get_string(d, obj, "run", false);
	if (!(t = ch->type))
		return;
	jdoc_push_key(d, "type");
	if (!strcmp(t, "slack") || !strcmp(t, "webhook") || !strcmp(t, "teams")) {
		if (!ch->url == !ch->url_env)
			jdoc_error(d, false, "a %s channel needs one of \"url\" and \"urlEnv\" (the "
				   "name of the environment variable that holds a secret URL)", t);
	} else if (!strcmp(t, "email")) {
		bool bad = ch->from && !mail_address_ok(ch->from);

		for (size_t i = 0; i < ch->to.n; i++)
			bad |= !mail_address_ok(ch->to.v[i]);
		if (bad)
			jdoc_error(d, false, "\"to\" and \"from\" must be e-mail addresses "
				   "(a@b.example, or Name <a@b.example>), one line each");
		if (!ch->to.n || !ch->smtp)
			jdoc_error(d, false, "an email channel needs \"to\" and \"smtp\"");
		else if (!starts_with(ch->smtp, "smtp://") && !starts_with(ch->smtp, "smtps://"))
			jdoc_error(d, false, "\"smtp\" must be an smtp:// or smtps:// URL");
		if (ch->password_env && !ch->user)
			jdoc_error(d, false, "\"passwordEnv\" needs \"user\"");
	} else if (!strcmp(t, "github")) {
		if (ch->repo && !strchr(ch->repo, '/'))
			jdoc_error(d, false, "\"repo\" must be OWNER/NAME");
	} else if (!strcmp(t, "command")) {
		if (!ch->run)
			jdoc_error(d, false, "a command channel needs \"run\"");
	} else {
		jdoc_error(d, false, "unknown channel type \"%s\" (webhook, slack, teams, email, "
			   "github or command)", t);
	}
	jdoc_pop(d);
}

static void load_section(struct jdoc *d, json_t *root, const char *key,
			 const char *const *keys, void (*fn)(struct jdoc *, json_t *, struct config *),
			 struct config *c)
{
	json_t *v = json_object_get(root, key);

	if (!v)
		return;
	jdoc_push_key(d, key);
	if (expect_object(d, v)) {
		jdoc_check_keys(d, v, keys);
		fn(d, v, c);
	}
	jdoc_pop(d);
}

static void load_store(struct jdoc *d, json_t *v, struct config *c)
{
	char *path = get_string(d, v, "path", false);

	if (path) {
		free(c->store_path);
		c->store_path = path;
	}
}

static void load_notify(struct jdoc *d, json_t *v, struct config *c)
{
	get_strlist(d, v, "plan", &c->notify_plan, false);
	c->notify_timeout_ms = get_duration(d, v, "timeout", c->notify_timeout_ms);
	c->notify_retry_ms = get_duration(d, v, "retryFor", c->notify_retry_ms);
}

static void load_server(struct jdoc *d, json_t *v, struct config *c)
{
	char *s;

	if ((s = get_string(d, v, "listen", false))) {
		free(c->listen);
		c->listen = s;
	}
	if ((s = get_string(d, v, "tokenEnv", false))) {
		free(c->token_env);
		c->token_env = s;
	}
	if ((s = get_string(d, v, "publicUrl", false))) {
		const char *p;
		bool ok = s[0] == '/' || !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);

		for (p = s; ok && *p; p++)
			ok = (unsigned char)*p > 0x20 && *p != 0x7f;
		if (!ok) {
			jdoc_push_key(d, "publicUrl");
			jdoc_error(d, false, "server.publicUrl must be a path (\"/beacon\") or an "
				   "http:// or https:// URL without spaces: \"%s\" is not", s);
			jdoc_pop(d);
		}
		free(c->public_url);
		c->public_url = s;
	}
	get_strlist(d, v, "allowedOrigins", &c->allowed_origins, false);
	get_strlist(d, v, "trustedProxies", &c->trusted_proxies, false);
	c->serve_maps = get_bool(d, v, "serveSourceMaps", c->serve_maps);
}

static void load_watch(struct jdoc *d, json_t *v, struct config *c)
{
	static const char *const fatal_keys[] = {"events", "clients", NULL};
	json_t *fatal;

	c->bake_ms = get_duration(d, v, "bake", c->bake_ms);
	c->interval_ms = get_duration(d, v, "interval", c->interval_ms);
	c->auto_rollback = get_bool(d, v, "autoRollback", c->auto_rollback);
	c->retention_ms = get_duration(d, v, "retention", c->retention_ms);
	if ((fatal = json_object_get(v, "fatal"))) {
		jdoc_push_key(d, "fatal");
		if (expect_object(d, fatal)) {
			jdoc_check_keys(d, fatal, fatal_keys);
			c->fatal_events = get_int(d, fatal, "events", c->fatal_events, 1, 1000000);
			c->fatal_clients = get_int(d, fatal, "clients", c->fatal_clients, 1, 1000000);
		}
		jdoc_pop(d);
	}
}

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->store_path = xstrdup(".relgate/store");
	c->listen = xstrdup("127.0.0.1:8080");
	c->token_env = xstrdup("RELGATE_TOKEN");
	c->public_url = xstrdup("/beacon");
	c->bake_ms = 10 * 60 * 1000;
	c->interval_ms = 5000;
	c->auto_rollback = true;
	c->fatal_events = 3;
	c->fatal_clients = 2;
	c->retention_ms = 30LL * 24 * 3600 * 1000;
	c->notify_timeout_ms = 5000;
	c->notify_retry_ms = 24 * 3600 * 1000;
}

/* Owners must name channels; product names must be usable as folder names. */
static void check_references(struct jdoc *d, struct config *c)
{
	size_t i, j;

	for (j = 0; j < c->notify_plan.n; j++) {
		if (!config_channel(c, c->notify_plan.v[j])) {
			jdoc_push_key(d, "notify");
			jdoc_push_key(d, "plan");
			jdoc_push_index(d, j);
			jdoc_error(d, false, "\"%s\" is not a channel in \"channels\"",
				   c->notify_plan.v[j]);
			jdoc_pop(d);
			jdoc_pop(d);
			jdoc_pop(d);
		}
	}

	for (i = 0; i < c->nproducts; i++) {
		struct cfg_product *p = &c->products[i];
		const char *bad = !p->name[0] ? "is empty" :
				  p->name[0] == '.' ? "starts with \".\"" :
				  strpbrk(p->name, "/\\ \t\n") ? "holds \"/\", \"\\\" or a space" :
				  NULL;

		jdoc_push_key(d, "products");
		jdoc_push_key(d, p->name);
		if (bad)
			jdoc_error(d, true, "product name \"%s\" %s", p->name, bad);
		for (j = 0; j < p->owners.n; j++) {
			if (!config_channel(c, p->owners.v[j])) {
				jdoc_push_key(d, "owners");
				jdoc_push_index(d, j);
				jdoc_error(d, false, "owner \"%s\" is not a channel in \"channels\"",
					   p->owners.v[j]);
				jdoc_pop(d);
				jdoc_pop(d);
			}
		}
		jdoc_pop(d);
		jdoc_pop(d);
	}
}

int config_load(struct config *c, const char *path)
{
	static const char *const top_keys[] = {"$schema", "globalInputs", "ignoreRootDependencies",
						"products", "channels", "store", "server", "watch",
						"notify", NULL};
	static const char *const store_keys[] = {"path", NULL};
	static const char *const notify_keys[] = {"plan", "timeout", "retryFor", NULL};
	static const char *const server_keys[] = {"listen", "tokenEnv", "publicUrl", "allowedOrigins",
						  "trustedProxies", "serveSourceMaps", NULL};
	static const char *const watch_keys[] = {"bake", "interval", "autoRollback", "fatal",
						 "retention", NULL};
	struct buf text = BUF_INIT;
	struct sha1_ctx sha;
	struct jdoc d = {0};
	const char *key;
	json_t *root, *v, *item;

	config_defaults(c);
	c->path = xstrdup(path);
	c->root = path_dirname(path);
	if (!*c->root) {
		free(c->root);
		c->root = xstrdup(".");
	}
	if (read_file(path, &text, CONFIG_MAX_BYTES) < 0) {
		int e = errno;

		buf_release(&text);
		if (e == EFBIG)
			return error("%s: larger than %d MB", path, CONFIG_MAX_BYTES >> 20);
		errno = e;
		return error("cannot read %s:", path);
	}
	sha1_init(&sha);
	sha1_update(&sha, text.len, (const uint8_t *)text.data);
	sha1_digest(&sha, sizeof(c->digest), c->digest);
	root = jsonfile_parse(path, text.data, text.len, JSON_REJECT_DUPLICATES);
	if (!root) {
		buf_release(&text);
		return -1;
	}
	d.name = path;
	d.text = text.data;
	d.len = text.len;
	if (expect_object(&d, root)) {
		jdoc_check_keys(&d, root, top_keys);
		get_strlist(&d, root, "globalInputs", &c->global_inputs, true);
		get_strlist(&d, root, "ignoreRootDependencies", &c->ignore_root_deps, true);
		if ((v = json_object_get(root, "channels"))) {
			jdoc_push_key(&d, "channels");
			if (expect_object(&d, v)) {
				c->channels = xcalloc(json_object_size(v) + 1, sizeof(*c->channels));
				json_object_foreach(v, key, item) {
					jdoc_push_key(&d, key);
					load_channel(&d, key, item, &c->channels[c->nchannels++]);
					jdoc_pop(&d);
				}
			}
			jdoc_pop(&d);
		}
		if ((v = json_object_get(root, "products"))) {
			jdoc_push_key(&d, "products");
			c->products_given = true;
			if (expect_object(&d, v)) {
				c->products = xcalloc(json_object_size(v) + 1, sizeof(*c->products));
				json_object_foreach(v, key, item) {
					struct cfg_product *p = &c->products[c->nproducts++];

					jdoc_push_key(&d, key);
					load_product(&d, key, item, p);
					jdoc_pop(&d);
				}
			}
			jdoc_pop(&d);
		}
		load_section(&d, root, "store", store_keys, load_store, c);
		load_section(&d, root, "server", server_keys, load_server, c);
		load_section(&d, root, "watch", watch_keys, load_watch, c);
		load_section(&d, root, "notify", notify_keys, load_notify, c);
		check_references(&d, c);
	}
	json_decref(root);
	buf_release(&text);
	return d.errors ? -1 : 0;
}

bool config_ignores_root_dep(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ignore_root_deps.n; i++)
		if (glob_match(c->ignore_root_deps.v[i], name))
			return true;
	return false;
}

int config_locate_product(const struct config *c, const char *name, int *line, int *col)
{
	struct jseg path[2] = {{"products", 0}, {name, 0}};
	struct buf text = BUF_INIT;
	int r = -1;

	*line = *col = 0;
	/* read again: a position is wanted only for a message, and rarely */
	if (c->path && read_file(c->path, &text, CONFIG_MAX_BYTES) == 0)
		r = jsonfile_locate(text.data, text.len, path, 2, true, line, col);
	buf_release(&text);
	return r;
}

const struct cfg_channel *config_channel(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nchannels; i++)
		if (!strcmp(c->channels[i].name, name))
			return &c->channels[i];
	return NULL;
}

struct cfg_product *config_product(const struct config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nproducts; i++)
		if (!strcmp(c->products[i].name, name))
			return &c->products[i];
	return NULL;
}

bool strlist_has(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

void strlist_add_once(struct strlist *l, const char *s)
{
	if (strlist_has(l, s))
		return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

void strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void config_release(struct config *c)
{
	size_t i, j;

	for (i = 0; i < c->nproducts; i++) {
		struct cfg_product *p = &c->products[i];

		free(p->name);
		free(p->package);
		strlist_free(&p->inputs);
		free(p->build.run);
		free(p->artifact);
		for (j = 0; j < p->nchecks; j++) {
			free(p->checks[j].name);
			free(p->checks[j].step.run);
			free(p->checks[j].boot.page);
			free(p->checks[j].boot.ready);
		}
		free(p->checks);
		strlist_free(&p->owners);
		free(p->url);
	}
	free(c->products);
	for (i = 0; i < c->nchannels; i++) {
		struct cfg_channel *ch = &c->channels[i];

		free(ch->name);
		free(ch->type);
		free(ch->url);
		free(ch->url_env);
		strlist_free(&ch->to);
		free(ch->smtp);
		free(ch->from);
		free(ch->user);
		free(ch->password_env);
		free(ch->repo);
		free(ch->api_url);
		free(ch->token_env);
		free(ch->run);
	}
	free(c->channels);
	strlist_free(&c->global_inputs);
	strlist_free(&c->ignore_root_deps);
	strlist_free(&c->notify_plan);
	free(c->store_path);
	free(c->listen);
	free(c->token_env);
	strlist_free(&c->allowed_origins);
	strlist_free(&c->trusted_proxies);
	free(c->public_url);
	free(c->path);
	free(c->root);
	memset(c, 0, sizeof(*c));
}
