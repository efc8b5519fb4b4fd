/*
 * fuzz_declaration.c - libFuzzer target for the YAML reader
 * (src/core/yaml.c) and the product declaration validator
 * (src/compliance/declaration.c).
 *
 * The input is parsed as a YAML document and walked through the generic
 * accessors, then validated as a declaration and, when valid, evaluated
 * against the catalog (the declaration map, statements on requirements).
 */
#include <stddef.h>
#include <stdint.h>

#include "compliance/declaration.h"
#include "compliance/evaluate.h"
#include "core/result.h"
#include "core/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every node through the public accessors (no recursion: an
 * explicit stack, as deep as the reader allows). */
static size_t walk(const fg_yaml_node *root)
{
	const fg_yaml_node *stack[64];
	size_t n = 0, seen = 0;
	if (root)
		stack[n++] = root;
	while (n) {
		const fg_yaml_node *x = stack[--n];
		seen += fg_yaml_str(x) ? x->len : 0;
		bool b;
		seen += fg_yaml_bool(x, &b) + fg_yaml_is_null(x);
		for (size_t i = 0; i < fg_yaml_count(x); i++) {
			const fg_yaml_node *k = fg_yaml_key_at(x, i);
			if (k && fg_yaml_get(x, k->text) == NULL)
				__builtin_trap(); /* every key must be found again */
			if (n < 64)
				stack[n++] = fg_yaml_at(x, i);
		}
	}
	return seen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	fg_yaml_doc *doc = fg_yaml_parse("fuzz.yaml", data, size, NULL, err, sizeof(err));
	if (doc) {
		walk(fg_yaml_root(doc));
		fg_yaml_free(doc);
	}
	fg_result *r = fg_result_new(NULL);
	if (!r)
		return 0;
	fg_declaration *d = fg_declaration_parse("fuzz.yaml", data, size, &r->arena, 1748736000);
	if (d && !d->errors) {
		r->declaration = d;
		fg_compliance_evaluate(r);
	}
	fg_result_free(r);
	return 0;
}
