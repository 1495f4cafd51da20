/*
 * beacon: what the snippet sends, read as the collector must read
 * anything from the internet.  A beacon is one JSON object of at most
 * BEACON_BODY_MAX bytes:
 *
 *   {"v": 1, "product", "release", "kind", "message", "stack", "page"}
 *
 * kind is "error", "resource", "rejection" or "boot-timeout".  Every
 * version relgate ever issued is read ("v" absent is version 1); fields it
 * does not know are ignored, so that a newer snippet's extra field does
 * not lose its event.
 */
#ifndef RELGATE_BEACON_H
#define RELGATE_BEACON_H

#include <stddef.h>

#define BEACON_BODY_MAX (16 * 1024)
#define BEACON_VERSION 1
#define BEACON_MESSAGE_MAX 2048
#define BEACON_STACK_MAX 12288
#define BEACON_PAGE_MAX 2048

struct beacon {
	int version;
	char *product, *release, *kind;
	char *message, *stack, *page;   /* URLs without their queries and fragments */
};

/*
 * Read body into b.  Returns 0, or -1 with why (a short reason, for the
 * 400's body) and b empty.
 */
int beacon_parse(const char *body, size_t len, struct beacon *b, const char **why);
void beacon_release(struct beacon *b);

/*
 * What groups b with its likes: its message with numbers and ids taken out
 * (*normalized), its top stack frame as function and file, the file's
 * content hash and the position taken out (*frame, NULL when the stack
 * has none), and a hex digest of kind and both (fp).  Both malloc'd.
 */
#define BEACON_FP_HEX 33
void beacon_fingerprint(const struct beacon *b, char **normalized, char **frame,
			char fp[BEACON_FP_HEX]);

/* Take the query and fragment out of every URL in s, in place (":line:col" stays). */
void beacon_strip_queries(char *s);

#endif
