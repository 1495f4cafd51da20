/*
 * fuzz-manifest: a package.json's text, read both ways.  jsonscan may
 * leave a text to jansson, never disagree with it: where it reads a
 * document, jansson reads it too, and the facts relgate keeps of it are
 * the same bytes.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/workspace.h"
#include "lib/jsonscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf fast = BUF_INIT, slow = BUF_INIT;
	struct jsval root;
	const char *text = (const char *)data;

	if (js_document(text, size, &root)) {
		json_t *v = json_loadb(text, size, 0, NULL);

		if (!v)
			abort();   /* jsonscan took a text jansson refuses */
		json_decref(v);
	}
	if (workspace_manifest_facts(text, size, true, &fast) == 1 &&
	    (workspace_manifest_facts(text, size, false, &slow) != 1 || fast.len != slow.len ||
	     memcmp(fast.data, slow.data, fast.len)))
		abort();
	buf_release(&fast);
	buf_release(&slow);
	return 0;
}
