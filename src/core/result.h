/*
 * result.h - the scan model every stage fills and every renderer reads.
 */
#ifndef FG_RESULT_H
#define FG_RESULT_H

#include "firmgate.h"

#include "core/arena.h"
#include "core/diag.h"
#include "core/limits.h"
#include "core/tree.h"
#include "core/vec.h"
#include "inventory/inventory.h"
#include "vulns/vulns.h"
#include "compliance/compliance.h"

typedef struct fg_fsinfo {
	fg_node *root;
	const char *chain;      /* provenance, e.g. "fw.bin > squashfs@0x0" */
	uint64_t files, dirs, symlinks, hardlinks, devices, others;
	uint64_t bytes;
} fg_fsinfo;

typedef struct fg_stage_time {
	double unpack, inventory, vulns, checks, compliance;
} fg_stage_time;

struct fg_result {
	const char *input;      /* as given */
	const char *input_name; /* last path component */
	uint64_t input_size;
	int input_is_dir;
	fg_options opts;

	fg_arena arena;          /* strings of findings, components, verdicts */
	fg_tree tree;
	fg_budget budget;
	fg_diag_list diags;

	FG_VEC(fg_fsinfo) filesystems;
	fg_component_vec components;
	fg_vuln_vec vulns;
	FG_VEC(fg_finding) findings;
	fg_verdict_vec verdicts;
	FG_VEC(const char *) checks_run;  /* IDs, in registry order */
	const struct fg_declaration *declaration; /* the manufacturer's (--declaration), in
	                                             the arena; NULL when none was given */
	const struct fg_policy *policy; /* suppressions and severity rules (--suppress,
	                                   --severity), in the arena; NULL when none */

	fg_stage_time seconds;
};



/* An empty result with OPTS (defaults when NULL); tests build trees in it. */
fg_result *fg_result_new(const fg_options *opts);

/* Appends finding F (strings already in the result's arena) with the
 * severity the policy's rules give its check: the one place findings are
 * created, so every report and the gate see the same severity. */
bool fg_result_add_finding(fg_result *res, fg_finding f);
#endif
