/*
 * catalog.h - the baselines' requirements, compiled in from data/standards/.
 *
 * catalog.tsv holds one requirement per line (standard, ID, level, class,
 * evidence families, ETSI cross-mapping, confidence, our paraphrased title,
 * the evidence it needs, notes); families.tsv maps each evidence family to
 * the checks that produce it; standards.tsv names the standards;
 * declaration-map.tsv says which requirements each field of a product
 * declaration shows. Parsed once, on first use.
 */
#ifndef FG_CATALOG_H
#define FG_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum fg_req_class {
	FG_REQ_FW,    /* the image can show it */
	FG_REQ_DECL,  /* only the manufacturer's declaration or documents can */
	FG_REQ_DEV,   /* needs a running device or a hardware test */
} fg_req_class;

typedef struct fg_standard {
	const char *id, *name, *edition, *force;
	size_t first, count;        /* its requirements in the catalog */
} fg_standard;

#define FG_REQ_MAX_CHECKS 16

typedef struct fg_requirement {
	const char *standard;       /* fg_standard id */
	const char *id;
	const char *level;          /* mandatory, mandatory-conditional, recommended, ... */
	fg_req_class cls;
	const char *families;       /* comma-separated, may be "" */
	const char *etsi;           /* comma-separated ETSI EN 303 645 provisions */
	const char *confidence;
	const char *title;
	const char *evidence;       /* what shows it */
	const char *note;
	const char *checks[FG_REQ_MAX_CHECKS]; /* registered checks bearing on it */
	size_t nchecks;
} fg_requirement;

size_t fg_standard_count(void);
const fg_standard *fg_standard_at(size_t i);
const fg_standard *fg_standard_find(const char *id);

size_t fg_requirement_count(void);
const fg_requirement *fg_requirement_at(size_t i);
/* The requirement ID of STANDARD, or NULL. */
const fg_requirement *fg_requirement_find(const char *standard, const char *id);
/* Index of R in the catalog (fg_requirement_at(i) == r). */
size_t fg_requirement_index(const fg_requirement *r);

/* One rule of declaration-map.tsv (see the file's header). */
#define FG_RULE_MAX_REQS 24

typedef struct fg_decl_rule {
	const char *fields;         /* "a.b+c.d", "x.y=v1|v2" */
	bool not_applicable;        /* else: declared */
	const char *family;         /* evidence family refuting it, "" for none */
	const char *checks[FG_REQ_MAX_CHECKS]; /* the family's registered checks */
	size_t nchecks;
	const char *states;         /* what the declaration states */
	const fg_requirement *reqs[FG_RULE_MAX_REQS];
	size_t nreqs;
	const char *unresolved;     /* first "standard/ID" not in the catalog, or NULL */
} fg_decl_rule;

size_t fg_decl_rule_count(void);
const fg_decl_rule *fg_decl_rule_at(size_t i);

const char *fg_req_class_name(fg_req_class c);

#endif
