/*
 * devtools: a client of the Chrome DevTools protocol over a pipe, as
 * chromium --remote-debugging-pipe speaks it: JSON messages, each ended by
 * a NUL, written to its descriptor 3 and read from its descriptor 4.  No
 * WebSocket.  The client numbers its requests and frames the messages;
 * what they mean is the caller's (the boot check's).
 */
#ifndef RELGATE_DEVTOOLS_H
#define RELGATE_DEVTOOLS_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/util.h"

struct devtools {
	int to, from;             /* our ends of the pipes; not owned */
	struct buf in;            /* what was read of a message not yet ended */
	int next_id;
	char *session;            /* the attached target's session, or NULL */
};

void devtools_init(struct devtools *d);

/*
 * Send method with params (taken: its reference is the client's), in the
 * session when in_session and there is one.  Returns the request's id, or
 * -1 when the pipe is broken.
 */
int devtools_send(struct devtools *d, const char *method, json_t *params, bool in_session);

/*
 * Read what the pipe holds (from is non-blocking) and call fn for every
 * whole message, parsed (a message that is no JSON is skipped).  Returns
 * 0, or -1 when the browser closed the pipe, the read failed, or a message
 * passed the size limit.
 */
int devtools_read(struct devtools *d, void (*fn)(json_t *msg, void *data), void *data);

void devtools_release(struct devtools *d);

#endif
