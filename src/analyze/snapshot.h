/*
 * snapshot: the analysed graph of one head commit, kept between runs.
 *
 * Everything impact analysis builds before it looks at the change (files,
 * packages, products, edges) depends only on the head commit's tree, the
 * configuration and the options; so a repeated run on the same head loads
 * it instead of building it.  The key is a SHA-1 of all of those and of
 * relgate's own build, so a stale snapshot cannot be used: it is simply
 * not found.  Like the cache, a damaged file is ignored, never trusted.
 */
#ifndef RELGATE_SNAPSHOT_H
#define RELGATE_SNAPSHOT_H

#include <stdbool.h>

struct config;
struct head_graph;

#define SNAPSHOT_KEY_SIZE 20

/*
 * Fill h (files, workspace, products, the graph not yet finished) from the
 * snapshot at path, if its key is key; its products point into cfg, the
 * configuration the key was made with.  Returns true when it did, and
 * leaves h empty when it did not.
 */
bool snapshot_load(struct head_graph *h, const struct config *cfg, const char *path,
		   const unsigned char *key);

/* Write h as the snapshot for key (a failure only warns). */
void snapshot_save(const struct head_graph *h, const struct config *cfg, const char *path,
		   const unsigned char *key);

#endif
