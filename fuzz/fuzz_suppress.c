/*
 * fuzz_suppress.c - libFuzzer target for the suppressions file
 * (src/core/suppress.c): the input is read as a suppressions file, then
 * every entry is matched against findings made from the input itself and
 * every severity rule is looked up, so the globs (fnmatch) see hostile
 * patterns and hostile subjects alike.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "checks/engine.h"
#include "core/result.h"
#include "core/suppress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fg_arena arena;
	fg_arena_init(&arena);
	fg_policy *p = fg_policy_new(&arena);
	if (!p)
		goto out;
	fg_policy_parse(p, &arena, "fuzz.yaml", data, size, 1748736000);
	if (p->nmessages > 100 || (p->errors + p->warnings) < p->nmessages)
		__builtin_trap(); /* the counts hold every kept message */

	/* a path and a subject from the input's first bytes */
	char path[64] = "/", subject[32] = "";
	size_t n = size < sizeof(path) - 2 ? size : sizeof(path) - 2;
	memcpy(path + 1, data, n);
	path[n + 1] = '\0';
	if (size > 8)
		memcpy(subject, data + 8, size - 8 < sizeof(subject) - 1 ? size - 8 : sizeof(subject) - 1);
	static const char *const checks[] = { "credentials.empty-password", "hardening.nx",
					      "services.telnet", "secrets.private-key" };
	for (size_t i = 0; i < 4; i++) {
		char fp[33];
		fg_fingerprint(checks[i], path, subject, fp);
		fg_finding f = { .check_id = checks[i], .path = path, .fingerprint = fp, .offset = -1 };
		const fg_suppression *e = fg_policy_match(p, &f);
		if (e && (e->expired || !e->justification))
			__builtin_trap(); /* only live, justified entries suppress */
		int level = fg_policy_severity(p, checks[i], FG_SEV_MEDIUM);
		if (level < FG_SEVERITY_OFF || level > FG_SEV_CRITICAL)
			__builtin_trap();
	}
	/* the same text as a --severity argument */
	char arg[128], err[300];
	n = size < sizeof(arg) - 1 ? size : sizeof(arg) - 1;
	memcpy(arg, data, n);
	arg[n] = '\0';
	fg_policy_add_severity(p, &arena, arg, err, sizeof(err));
out:
	fg_arena_free(&arena);
	return 0;
}
