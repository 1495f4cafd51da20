/*
 * yamldoc: a YAML file read whole with libyaml's document API, for the
 * package managers' YAML (pnpm-lock.yaml, yarn.lock of yarn 2 and later),
 * with errors that name file:line:col.
 */
#ifndef RELGATE_YAMLDOC_H
#define RELGATE_YAMLDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "lib/util.h"

struct ydoc {
	yaml_document_t doc;
	yaml_node_t *root;
	bool loaded;
};

/*
 * Parse text.  Returns 0, or -1 after "name:line:col: problem (note)"
 * (FAULT_INPUT).  ydoc_free() either way.
 */
int ydoc_load(struct ydoc *y, const char *name, const char *note, const char *text, size_t len);
void ydoc_free(struct ydoc *y);

/* The node of id (0: none), a scalar's text (NULL for another node). */
yaml_node_t *ydoc_node(struct ydoc *y, int id);
const char *ydoc_scalar(const yaml_node_t *n);
/* The value of key in the mapping m, or NULL; a scan of m, for small maps. */
yaml_node_t *ydoc_get(struct ydoc *y, const yaml_node_t *m, const char *key);
/* Index a large mapping: key -> yaml_node_t * of its value (out is initialised here). */
void ydoc_index(struct ydoc *y, const yaml_node_t *m, struct strmap *out);

#endif
