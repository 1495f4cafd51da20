/*
 * beacon: reading, checking and grouping what the snippet sends.
 */
#include <jansson.h>
#include <nettle/sha2.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/jsonscan.h"
#include "lib/util.h"
#include "release/history.h"
#include "release/store.h"
#include "serve/beacon.h"

void beacon_release(struct beacon *b)
{
	free(b->product);
	free(b->release);
	free(b->kind);
	free(b->message);
	free(b->stack);
	free(b->page);
	memset(b, 0, sizeof(*b));
}

/*
 * The snippet cuts a message at 500 UTF-16 units, which may cut a
 * surrogate pair: JSON.stringify writes the lone half as "\ud83d", which
 * is well-formed JSON that no UTF-8 can hold.  Such a half becomes U+FFFD
 * here, so that the event is kept.
 */
static void mend_surrogates(char *s, size_t len)
{
	size_t i = 0;

	while (i + 1 < len) {
		unsigned v = 0, w = 0;
		int k;

		if (s[i] != '\\') {
			i++;
			continue;
		}
		if (s[i + 1] != 'u' || i + 6 > len) {
			i += 2;
			continue;
		}
		for (k = 2; k < 6; k++) {
			int d = hex_value(s[i + k]);

			if (d < 0)
				break;
			v = v * 16 + (unsigned)d;
		}
		if (k < 6) {
			i += 2;
			continue;
		}
		if (v >= 0xd800 && v <= 0xdbff && i + 12 <= len && s[i + 6] == '\\' && s[i + 7] == 'u') {
			for (k = 8; k < 12; k++) {
				int d = hex_value(s[i + k]);

				if (d < 0)
					break;
				w = w * 16 + (unsigned)d;
			}
			if (k == 12 && w >= 0xdc00 && w <= 0xdfff) {
				i += 12;
				continue;
			}
		}
		if (v >= 0xd800 && v <= 0xdfff)
			memcpy(s + i + 2, "FFFD", 4);
		i += 6;
	}
}

/* The fields a beacon has, in the order their errors are reported. */
static const struct field {
	const char *name;
	size_t max;
	bool required;
	size_t offset;
} fields[] = {
	{"product", 100, true, offsetof(struct beacon, product)},
	{"release", RELEASE_ID_MAX - 1, true, offsetof(struct beacon, release)},
	{"kind", 16, true, offsetof(struct beacon, kind)},
	{"message", BEACON_MESSAGE_MAX, false, offsetof(struct beacon, message)},
	{"stack", BEACON_STACK_MAX, false, offsetof(struct beacon, stack)},
	{"page", BEACON_PAGE_MAX, false, offsetof(struct beacon, page)},
};

static char **field_of(struct beacon *b, const struct field *f)
{
	return (char **)((char *)b + f->offset);
}

/* Each field given (a string within its bound), or absent (NULL: "" unless required). */
static int check_fields(struct beacon *b, const bool *wrong_type, const bool *too_long,
			const char **why)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(fields); i++) {
		char **v = field_of(b, &fields[i]);

		if (wrong_type[i]) {
			*why = "a field is not a string";
			return -1;
		}
		if (too_long[i]) {
			*why = "a field is too long";
			return -1;
		}
		if (!*v && fields[i].required) {
			*why = "a field is missing";
			return -1;
		}
		if (!*v)
			*v = xstrdup("");
	}
	return 0;
}

/*
 * The fast path: the body read in place (lib/jsonscan), which builds
 * nothing.  1 read, 0 not its subset (jansson reads it), -1 refused.
 */
static int read_fast(const char *text, size_t len, struct beacon *b, const char **why)
{
	bool wrong_type[ARRAY_LEN(fields)] = {false}, too_long[ARRAY_LEN(fields)] = {false};
	bool seen[ARRAY_LEN(fields)] = {false}, seen_v = false;
	struct arena a = ARENA_INIT;
	struct jsval root, key, val;
	struct jsiter it;
	int ret = 1;
	size_t i;

	if (!js_document(text, len, &root))
		return 0;
	if (root.type != JS_OBJECT) {
		*why = "not a JSON object";
		return -1;
	}
	b->version = 1;
	js_iter(&it, &root);
	while (ret == 1 && js_next(&it, &key, &val)) {
		const char *k = key.escaped ? js_string(&key, &a) : NULL;

		if (k ? !strcmp(k, "v") : js_is(&key, "v")) {
			/* a key given twice is what jansson, told to refuse it, calls not JSON */
			if (seen_v) {
				*why = "not JSON";
				ret = -1;
			} else if (val.type != JS_NUMBER || val.len != 1 || val.p[0] < '1' ||
				   val.p[0] > '0' + BEACON_VERSION) {
				*why = "unknown version";
				ret = -1;
			}
			seen_v = true;
			b->version = val.p[0] - '0';
			continue;
		}
		for (i = 0; i < ARRAY_LEN(fields); i++)
			if (k ? !strcmp(k, fields[i].name) : js_is(&key, fields[i].name))
				break;
		if (i == ARRAY_LEN(fields))
			continue;    /* a newer snippet's field */
		if (seen[i]) {
			*why = "not JSON";
			ret = -1;
			break;
		}
		seen[i] = true;
		if (val.type == JS_NULL)
			continue;
		if (val.type != JS_STRING) {
			wrong_type[i] = true;
			continue;
		}
		{
			const char *str = js_string(&val, &a);

			if (strlen(str) > fields[i].max)
				too_long[i] = true;
			else
				*field_of(b, &fields[i]) = xstrdup(str);
		}
	}
	arena_free(&a);
	if (ret == 1 && check_fields(b, wrong_type, too_long, why) < 0)
		ret = -1;
	return ret;
}

/* Any JSON jansson reads (duplicate keys refused; UTF-8 checked; a NUL refused). */
static int read_jansson(const char *text, size_t len, struct beacon *b, const char **why)
{
	bool wrong_type[ARRAY_LEN(fields)] = {false}, too_long[ARRAY_LEN(fields)] = {false};
	json_error_t err;
	json_t *root, *v;
	size_t i;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		*why = "not JSON";
		return -1;
	}
	if (!json_is_object(root)) {
		*why = "not a JSON object";
		json_decref(root);
		return -1;
	}
	b->version = 1;
	if ((v = json_object_get(root, "v"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > BEACON_VERSION) {
			*why = "unknown version";
			json_decref(root);
			return -1;
		}
		b->version = (int)json_integer_value(v);
	}
	for (i = 0; i < ARRAY_LEN(fields); i++) {
		v = json_object_get(root, fields[i].name);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v))
			wrong_type[i] = true;
		else if (json_string_length(v) > fields[i].max)
			too_long[i] = true;
		else
			*field_of(b, &fields[i]) = xstrdup(json_string_value(v));
	}
	json_decref(root);
	return check_fields(b, wrong_type, too_long, why);
}

static bool release_id_ok(const char *id)
{
	size_t n = strlen(id), i;

	if (n < 2 || n >= RELEASE_ID_MAX || id[0] != 'r')
		return false;
	for (i = 1; i < n; i++)
		if (id[i] < '0' || id[i] > '9')
			return false;
	return true;
}

int beacon_parse(const char *body, size_t len, struct beacon *b, const char **why)
{
	static const char *const kinds[] = {"error", "resource", "rejection", "boot-timeout"};
	char *copy;
	size_t i;
	int ret;

	memset(b, 0, sizeof(*b));
	*why = NULL;
	if (len > BEACON_BODY_MAX) {
		*why = "too large";
		return -1;
	}
	copy = xmalloc(len + 1);
	memcpy(copy, body, len);
	copy[len] = '\0';
	mend_surrogates(copy, len);
	ret = read_fast(copy, len, b, why);
	if (!ret) {
		beacon_release(b);
		ret = read_jansson(copy, len, b, why) < 0 ? -1 : 1;
	}
	free(copy);
	if (ret < 0)
		goto bad;
	if (!store_name_ok(b->product)) {
		*why = "not a product's name";
		goto bad;
	}
	if (!release_id_ok(b->release)) {
		*why = "not a release id";
		goto bad;
	}
	for (i = 0; i < ARRAY_LEN(kinds) && strcmp(b->kind, kinds[i]); i++)
		;
	if (i == ARRAY_LEN(kinds)) {
		*why = "unknown kind";
		goto bad;
	}
	beacon_strip_queries(b->message);
	beacon_strip_queries(b->stack);
	b->page[strcspn(b->page, "?#")] = '\0';
	return 0;
bad:
	beacon_release(b);
	return -1;
}

static bool url_end(char c)
{
	return !c || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ')' || c == '(' ||
	       c == '"' || c == '\'' || c == '<' || c == '>' || c == '`';
}

void beacon_strip_queries(char *s)
{
	char *p = s, *out = s;

	while (*p) {
		char *scheme = strstr(p, "://"), *start, *end, *q, *t;

		if (!scheme) {
			size_t n = strlen(p);

			memmove(out, p, n);
			out += n;
			break;
		}
		for (start = scheme; start > p && !url_end(start[-1]); start--)
			;
		for (end = scheme + 3; !url_end(*end); end++)
			;
		q = memchr(start, '?', (size_t)(end - start));
		t = memchr(start, '#', (size_t)(end - start));
		if (!q || (t && t < q))
			q = t;
		/* the position a stack adds after the URL (":12:34") stays */
		t = end;
		if (q) {
			int parts = 0;
			char *d = end;

			while (parts < 2 && d > q) {
				char *e = d;

				while (e > q && e[-1] >= '0' && e[-1] <= '9')
					e--;
				if (e == d || e == q || e[-1] != ':')
					break;
				d = e - 1;
				parts++;
			}
			t = parts ? d : end;
		}
		memmove(out, p, (size_t)((q ? q : end) - p));
		out += (q ? q : end) - p;
		if (q) {
			memmove(out, t, (size_t)(end - t));
			out += end - t;
		}
		p = end;
	}
	*out = '\0';
}

static bool word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

/*
 * s with every word that holds a digit (a count, an id, a content hash,
 * a position) as "?", at most max bytes.
 */
static char *strip_numbers(const char *s, size_t n, size_t max)
{
	struct buf b = BUF_INIT;
	size_t i = 0;

	while (i < n && b.len < max) {
		size_t j = i;
		bool digit = false;

		if (!word_char((unsigned char)s[i])) {
			buf_addc(&b, s[i++]);
			continue;
		}
		while (j < n && word_char((unsigned char)s[j])) {
			digit |= s[j] >= '0' && s[j] <= '9';
			j++;
		}
		if (digit)
			buf_addc(&b, '?');
		else
			buf_add(&b, s + i, j - i);
		i = j;
	}
	if (b.len > max)
		b.len = max;
	/* a cut never leaves half a character */
	while (b.len && ((unsigned char)b.data[b.len - 1] & 0xc0) == 0x80)
		b.len--;
	if (b.len && (unsigned char)b.data[b.len - 1] >= 0xc0)
		b.len--;
	buf_addc(&b, '\0');
	return buf_detach(&b, NULL);
}

/*
 * The frame a stack's line names, as "function file", or NULL when it
 * names none: V8's "    at f (URL:1:2)" and "    at URL:1:2",
 * SpiderMonkey's and JavaScriptCore's "f@URL:1:2".  The file is the URL's
 * last path component.
 */
static char *frame_of(const char *line, size_t n)
{
	const char *end = line + n, *scheme = NULL, *url, *url_stop, *file, *fn = line, *fn_end;
	char *raw, *out;
	const char *p;

	for (p = line; p + 3 <= end && !scheme; p++)
		if (!memcmp(p, "://", 3))
			scheme = p;
	if (!scheme)
		return NULL;
	for (url = scheme; url > line && !url_end(url[-1]) && url[-1] != '@'; url--)
		;
	for (url_stop = scheme; url_stop < end && !url_end(*url_stop); url_stop++)
		;
	/* the position (":12:34") is where it went wrong in this build, not what */
	for (int parts = 0; parts < 2; parts++) {
		const char *d = url_stop;

		while (d > url && d[-1] >= '0' && d[-1] <= '9')
			d--;
		if (d == url_stop || d == url || d[-1] != ':')
			break;
		url_stop = d - 1;
	}
	for (file = url_stop; file > url && file[-1] != '/'; file--)
		;
	while (fn < url && (*fn == ' ' || *fn == '\t'))
		fn++;
	if (url - fn >= 3 && !strncmp(fn, "at ", 3))
		fn += 3;
	for (fn_end = url; fn_end > fn && strchr("( @", fn_end[-1]); fn_end--)
		;
	raw = xasprintf("%.*s%s%.*s", (int)(fn_end - fn), fn, fn_end > fn ? " " : "",
			(int)(url_stop - file), file);
	out = strip_numbers(raw, strlen(raw), 200);
	free(raw);
	return out;
}

/* The top frame of a stack: its first line that names one. */
static char *top_frame(const char *stack)
{
	while (*stack) {
		size_t n = strcspn(stack, "\n");
		char *f = frame_of(stack, n);

		if (f)
			return f;
		stack += n + (stack[n] != '\0');
	}
	return NULL;
}

void beacon_fingerprint(const struct beacon *b, char **normalized, char **frame,
			char fp[BEACON_FP_HEX])
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t i;

	*normalized = strip_numbers(b->message, strlen(b->message), 300);
	*frame = top_frame(b->stack);
	sha256_init(&c);
	sha256_update(&c, strlen(b->kind) + 1, (const uint8_t *)b->kind);
	sha256_update(&c, strlen(*normalized) + 1, (const uint8_t *)*normalized);
	if (*frame)
		sha256_update(&c, strlen(*frame), (const uint8_t *)*frame);
	sha256_digest(&c, sizeof(d), d);
	for (i = 0; i < (BEACON_FP_HEX - 1) / 2; i++) {
		fp[2 * i] = hex[d[i] >> 4];
		fp[2 * i + 1] = hex[d[i] & 15];
	}
	fp[BEACON_FP_HEX - 1] = '\0';
}
