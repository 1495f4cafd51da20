/*
 * yamldoc: libyaml's document, and the few look-ups the readers need.
 */
#include <string.h>

#include "lib/diag.h"
#include "lib/yamldoc.h"

int ydoc_load(struct ydoc *y, const char *name, const char *note, const char *text, size_t len)
{
	yaml_parser_t parser;
	int ret = 0;

	memset(y, 0, sizeof(*y));
	if (!yaml_parser_initialize(&parser))
		die(EXIT_ENV, "cannot start the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		error("%s:%zu:%zu: %s%s%s%s", name, parser.problem_mark.line + 1,
		      parser.problem_mark.column + 1, parser.problem ? parser.problem : "bad YAML",
		      note ? " (" : "", note ? note : "", note ? ")" : "");
		ret = fault(FAULT_INPUT);
	} else {
		y->loaded = true;
		y->root = yaml_document_get_root_node(&y->doc);
	}
	yaml_parser_delete(&parser);
	return ret;
}

void ydoc_free(struct ydoc *y)
{
	if (y->loaded)
		yaml_document_delete(&y->doc);
	memset(y, 0, sizeof(*y));
}

yaml_node_t *ydoc_node(struct ydoc *y, int id)
{
	return id ? yaml_document_get_node(&y->doc, id) : NULL;
}

const char *ydoc_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

yaml_node_t *ydoc_get(struct ydoc *y, const yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *p;

	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const char *k = ydoc_scalar(ydoc_node(y, p->key));

		if (k && !strcmp(k, key))
			return ydoc_node(y, p->value);
	}
	return NULL;
}

void ydoc_index(struct ydoc *y, const yaml_node_t *m, struct strmap *out)
{
	bool map = m && m->type == YAML_MAPPING_NODE;
	yaml_node_pair_t *p;

	strmap_init(out, map ? (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start) : 0);
	if (!map)
		return;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const char *k = ydoc_scalar(ydoc_node(y, p->key));

		if (k)
			strmap_put(out, k, strlen(k))->value = ydoc_node(y, p->value);
	}
}
