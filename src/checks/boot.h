/*
 * boot.h - what a file tree starts at boot, as the service checks see it.
 *
 * Shared by services.telnet and the other service, debug and update
 * checks. Three pieces:
 *
 *   text       bounded access to text files (a NUL byte in the first
 *              4 KiB means "binary"; at most 4 MiB of a file is read)
 *              and line helpers for evidence.
 *
 *   sh lexer   enough of POSIX sh to split a script into simple
 *              commands: quotes, escapes, line continuations, $(...) and
 *              `...`, comments, separators, redirections, heredocs
 *              (skipped) and case patterns (skipped). Words are cut at
 *              FG_SH_MAX_WORD bytes and commands at FG_SH_MAX_WORDS words;
 *              nothing is read past the buffer.
 *
 *   boot model fg_boot_of(): every command started from a boot source,
 *              computed once per file tree and shared through
 *              fg_ctx_cache. Sources, in this order:
 *
 *     inittab  /etc/inittab "id:runlevels:action:process" (action not
 *              "off"): the commands of the process field.
 *     scripts  shell scripts and whether they run at boot. A script is
 *              proven to run at boot (FG_BOOT_YES) when it is
 *                - /etc/rc.local, /etc/rcS, /etc/init.d/rcS, /etc/rc.d/rc.local,
 *                  /etc/rc.d/rcS, /etc/rc.sysinit or /etc/rc.d/rc.sysinit;
 *                - /etc/init.d/S<nn>*: busybox rcS runs /etc/init.d/S??*;
 *                - the target of an S* entry of /etc/rc.d (OpenWrt),
 *                  /etc/rc.d/rc{S,1-5}.d or /etc/rc{S,1-5}.d (sysvinit);
 *                - run from inittab or called by path from a proven script
 *                  (". f", "source f", "sh f", "/path", "/path start|boot").
 *              Other scripts in /etc/init.d and /etc/rc.d are
 *              FG_BOOT_UNKNOWN -- except OpenWrt init scripts (START= or
 *              "#!/bin/sh /etc/rc.common") when /etc/rc.d holds S* links:
 *              then the missing link means the service is disabled
 *              (FG_BOOT_DISABLED).
 *     inetd    /etc/inetd.conf and /etc/inetd.d/ *: one start per entry,
 *              the service name and the server program with its argv.
 *     xinetd   /etc/xinetd.conf, /etc/xinetd.d/ *: service blocks without
 *              "disable = yes", at the "service" line.
 *     systemd  .service and .socket units linked from a *.wants or
 *              *.requires directory of /etc/systemd/system,
 *              /lib/systemd/system or /usr/lib/systemd/system:
 *              ExecStart/ExecStartPre/ExecStartPost lines of the service
 *              (a socket's service for a socket), plus one FG_BOOT_SOCKET
 *              entry per enabled socket.
 *
 * A command is unwrapped to the program it runs: keywords (if, then, do,
 * !, ...), variable assignments and wrappers (exec, nohup, env, nice,
 * setsid, sudo) are skipped; "busybox APPLET", "start-stop-daemon
 * --start --exec PROG" (not --stop), "procd_set_param command PROG",
 * "service_start PROG", "sh -c '...'" and "eval ..." give the program
 * inside. $VAR and ${VAR} of variables assigned earlier in the same file
 * are expanded when they are a whole word. Function definitions, heredoc
 * bodies, case patterns and comments are never commands.
 */
#ifndef FG_BOOT_H
#define FG_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/check.h"
#include "core/arena.h"
#include "core/vec.h"

/* ---- text ------------------------------------------------------------- */

#define FG_TEXT_PROBE 4096          /* NUL bytes here mean "binary" */
#define FG_TEXT_MAX (4u << 20)      /* bytes of one file that are read */

/* Text content of N (after hard links), capped at FG_TEXT_MAX; false for
 * non-files, empty content and binaries. */
bool fg_text_of(const fg_node *n, const char **text, size_t *len);

/* Start offset and length of 1-based line NO, without the line ending. */
bool fg_text_find_line(const char *t, size_t len, unsigned no, size_t *start, size_t *llen);

/* Copies line NO of N, leading blanks removed, cut at 200 bytes (with an
 * ellipsis), into OUT; *OFFSET gets the line's offset (-1 if none).
 * OUT is "" when the line cannot be read. */
void fg_text_excerpt(const fg_node *n, unsigned line, char *out, size_t cap, int64_t *offset);

/* Line iteration over a text buffer; lines come without their ending
 * (CR stripped) and leading/trailing blanks. */
typedef struct fg_line_iter {
	const char *t;
	size_t len, pos;
	unsigned no;             /* 1-based number of the line returned last */
	size_t start;            /* offset of that line's first byte (untrimmed) */
} fg_line_iter;

void fg_line_iter_init(fg_line_iter *it, const char *t, size_t len);
bool fg_line_next(fg_line_iter *it, const char **s, size_t *n);

const char *fg_base_name(const char *path);
bool fg_ends_with(const char *s, const char *suffix);

/* ---- sh lexer --------------------------------------------------------- */

#define FG_SH_MAX_WORDS 24
#define FG_SH_MAX_WORD 256

typedef struct fg_sh_lexer {
	const char *s;
	size_t len, pos;
	unsigned line;
	int paren;              /* open ( subshells */
	int case_depth;
	bool expect_pattern;    /* after "case x in" or ";;" */
	char heredoc[4][64];
	bool heredoc_tabs[4];
	size_t nheredoc;
} fg_sh_lexer;

typedef struct fg_sh_cmd {
	char w[FG_SH_MAX_WORDS][FG_SH_MAX_WORD];
	size_t n;
	unsigned line;          /* of the first word */
} fg_sh_cmd;

/* TEXT's first line is FIRST_LINE. */
void fg_sh_init(fg_sh_lexer *lx, const char *text, size_t len, unsigned first_line);
/* The next simple command, quotes removed; false at the end of the text. */
bool fg_sh_next(fg_sh_lexer *lx, fg_sh_cmd *c);

/* Runs the unwrapping of the boot model over any script TEXT and calls
 * FN for every program it starts (keywords, assignments and wrappers
 * skipped, busybox/start-stop-daemon/procd/sh -c/eval unwrapped, $VAR
 * expanded); LINE is 1-based. */
typedef void (*fg_sh_start_fn)(void *arg, const char *prog, const char *const *argv, size_t argc,
			       unsigned line);
void fg_sh_each_start(const char *text, size_t len, fg_sh_start_fn fn, void *arg);

/* sh, ash, bash, dash, hush, ksh, zsh, msh (a path or a bare name). */
bool fg_sh_is_shell(const char *prog);

/* ---- boot model --------------------------------------------------------- */

typedef enum fg_boot_state {
	FG_BOOT_UNKNOWN = 0,    /* a script nothing proves to run at boot */
	FG_BOOT_DISABLED,       /* an OpenWrt init script without its rc.d link */
	FG_BOOT_YES,
} fg_boot_state;

typedef enum fg_boot_src {
	FG_BOOT_INITTAB = 0,
	FG_BOOT_SCRIPT,
	FG_BOOT_INETD,
	FG_BOOT_XINETD,
	FG_BOOT_SYSTEMD,        /* an Exec line of an enabled service (or socket's service) */
	FG_BOOT_SOCKET,         /* an enabled socket unit itself (prog is "") */
} fg_boot_src;

typedef struct fg_boot_start {
	fg_boot_src src;
	const fg_node *node;    /* the file holding the evidence (content node) */
	const char *path;       /* its path in the tree */
	unsigned line;          /* 1-based */
	fg_boot_state boot;
	const char *why;        /* how the file runs at boot; "" when unknown */
	const char *prog;       /* program as written, variables expanded; "" if none */
	const char **argv;      /* its arguments (argv[0] not included) */
	size_t argc;
	const char *service;    /* inetd/xinetd: service name; systemd: the enabled
	                           unit (x.service or x.socket); inittab: the action;
	                           scripts: "" */
	const char *id;         /* inittab: the id field; systemd: the link that
	                           enables the unit; otherwise "" */
	bool openwrt;           /* the script is an OpenWrt init script */
} fg_boot_start;

typedef struct fg_boot {
	fg_arena arena;
	FG_VEC(fg_boot_start) v; /* in source order (see above) */
	bool rcd_links;          /* /etc/rc.d holds S* entries */
	bool truncated;          /* a cap was hit */
} fg_boot;

/* The boot model of the tree checked by CTX, built on first use. NULL
 * only when out of memory. */
const fg_boot *fg_boot_of(fg_check_ctx *ctx);

/* Builds the model of the file tree ROOT (tests, other tools). */
fg_boot *fg_boot_build(fg_node *root);
void fg_boot_free(fg_boot *b);

/* The effective program of an inetd entry: the server, or for tcpd the
 * program it wraps (argv[0]). */
const char *fg_boot_inetd_program(const fg_boot_start *s);

/* Severity of a finding about start S for a check whose rule gives SEV
 * when the start is proven: SEV for FG_BOOT_YES, MEDIUM (or SEV when
 * lower) for FG_BOOT_UNKNOWN, -1 for FG_BOOT_DISABLED (do not report). */
int fg_boot_severity(const fg_boot_start *s, int sev);

/* The first argument of S that is not an option (and not an option's
 * value for the options listed in WITH_VALUE, e.g. "-c-p-u"), or NULL. */
const char *fg_boot_first_operand(const fg_boot_start *s, const char *with_value);

/* The value of option OPT (e.g. "-c" or "--config") in S's arguments:
 * "-c X", "-cX", "--config=X" and "--config X"; NULL when absent. */
const char *fg_boot_option(const fg_boot_start *s, const char *opt);

/* A short human description: "/etc/init.d/S60vsftpd line 4, run at boot
 * (busybox rcS runs /etc/init.d/S??* at boot)". */
void fg_boot_describe(const fg_boot_start *s, char *out, size_t cap);

#endif
