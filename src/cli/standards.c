/*
 * standards.c - `firmgate standards`: the catalogued baselines and their
 * requirements, with the checks that bear on each.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "compliance/catalog.h"

static void list(void)
{
	printf("%-20s %5s %5s  %s\n", "ID", "REQS", "FW", "NAME");
	for (size_t i = 0; i < fg_standard_count(); i++) {
		const fg_standard *s = fg_standard_at(i);
		size_t fw = 0;
		for (size_t k = 0; k < s->count; k++)
			fw += fg_requirement_at(s->first + k)->cls == FG_REQ_FW;
		printf("%-20s %5zu %5zu  %s (%s)\n", s->id, s->count, fw, s->name, s->edition);
	}
}

static int show(const char *id)
{
	const fg_standard *s = fg_standard_find(id);
	if (!s) {
		fprintf(stderr, "firmgate standards: unknown standard '%s' (see 'firmgate standards')\n", id);
		return FG_EXIT_USAGE;
	}
	printf("%s\n%s, %s\n%s\n\n", s->id, s->name, s->edition, s->force);
	for (size_t k = 0; k < s->count; k++) {
		const fg_requirement *r = fg_requirement_at(s->first + k);
		printf("%-22s %-24s %-11s %s\n", r->id, r->level, fg_req_class_name(r->cls), r->title);
		if (r->nchecks) {
			printf("%-22s checks:", "");
			for (size_t c = 0; c < r->nchecks; c++)
				printf(" %s", r->checks[c]);
			putchar('\n');
		} else if (*r->families) {
			printf("%-22s evidence families (no check yet): %s\n", "", r->families);
		}
		if (*r->etsi && strncmp(s->id, "etsi-en-303-645", 15) != 0) /* both editions */
			printf("%-22s ETSI EN 303 645: %s\n", "", r->etsi);
		if (*r->note)
			printf("%-22s note: %s\n", "", r->note);
	}
	return FG_EXIT_OK;
}

int fg_cmd_standards(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: firmgate standards [show ID]\n\n"
		       "Lists the catalogued baselines (ID, requirement count, how many the image\n"
		       "itself can show, name), or one baseline's requirements with their level,\n"
		       "class (firmware, declaration, device), title and the checks bearing on each.\n");
		return FG_EXIT_OK;
	}
	if (argc == 1) {
		list();
		return FG_EXIT_OK;
	}
	if (argc == 3 && !strcmp(argv[1], "show"))
		return show(argv[2]);
	fprintf(stderr, "firmgate standards: usage: firmgate standards [show ID]\n");
	return FG_EXIT_USAGE;
}
