/*
 * devtools: the framing of the protocol on a pipe, and nothing of its
 * meaning.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gate/devtools.h"

/* a message larger than this is a browser gone wrong, not a page */
#define DEVTOOLS_MAX_MESSAGE ((size_t)64 << 20)

void devtools_init(struct devtools *d)
{
	memset(d, 0, sizeof(*d));
	d->to = d->from = -1;
	buf_init(&d->in);
}

int devtools_send(struct devtools *d, const char *method, json_t *params, bool in_session)
{
	json_t *msg = json_pack("{s:i, s:s}", "id", ++d->next_id, "method", method);
	char *text;
	size_t len, off = 0;

	if (params)
		json_object_set_new(msg, "params", params);
	if (in_session && d->session)
		json_object_set_new(msg, "sessionId", json_string(d->session));
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return -1;
	len = strlen(text) + 1;  /* the NUL ends the message */
	while (off < len) {
		ssize_t n = write(d->to, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(text);
			return -1;
		}
		off += (size_t)n;
	}
	free(text);
	return d->next_id;
}

int devtools_read(struct devtools *d, void (*fn)(json_t *msg, void *data), void *data)
{
	char chunk[65536];
	ssize_t n = read(d->from, chunk, sizeof(chunk));
	char *nul;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	if (d->in.len + (size_t)n > DEVTOOLS_MAX_MESSAGE)
		return -1;
	buf_add(&d->in, chunk, (size_t)n);
	while ((nul = memchr(d->in.data, '\0', d->in.len))) {
		size_t len = (size_t)(nul - d->in.data);
		json_t *msg = json_loadb(d->in.data, len, 0, NULL);

		if (msg) {
			fn(msg, data);
			json_decref(msg);
		}
		memmove(d->in.data, nul + 1, d->in.len - len - 1);
		d->in.len -= len + 1;
		d->in.data[d->in.len] = '\0';
	}
	return 0;
}

void devtools_release(struct devtools *d)
{
	buf_release(&d->in);
	free(d->session);
	d->session = NULL;
}
