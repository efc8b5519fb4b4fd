/*
 * fs_hygiene.c - file system hygiene: special permissions, world-writable
 * paths, leftover backups and developer files.
 *
 * Walks every node of the tree (not nested file trees). Rules:
 *   setuid     regular files with the setuid or setgid bit -- INFO each
 *              (the list to review; which ones are needed is product
 *              knowledge);
 *   writable   world-writable regular files and directories (symlinks and
 *              devices excluded; directories with the sticky bit, and
 *              everything under /tmp, /var/tmp, /dev, /run, /var/run,
 *              /var/lock, /proc, /sys excluded) -- MEDIUM under /etc, /bin,
 *              /sbin, /lib, /usr, /www (anyone can change code or
 *              configuration), LOW elsewhere;
 *   backups    copies of sensitive files: shadow, gshadow, master.passwd,
 *              passwd, group, sudoers with a suffix - .bak .old .orig
 *              .save .backup .og ~ .swp .1 -- HIGH for a shadow copy that
 *              holds a password hash (IoTGoat's /etc/shadow.bak), MEDIUM
 *              for other shadow copies, LOW for passwd/group/sudoers; other
 *              backups under /etc (*.bak, *.orig, *.old, *.og, *~) -- INFO;
 *   developer  .git, .svn, .hg and CVS directories, shell histories
 *              (.bash_history, .ash_history, .sh_history, .mysql_history,
 *              .python_history, .viminfo) -- LOW (histories MEDIUM: they
 *              often hold passwords typed on the command line), and ELF
 *              core dumps -- LOW.
 * At most 200 findings per tree; a last INFO finding counts the rest.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "checks/check.h"
#include "checks/files.h"

#define MAX_FINDINGS 200

typedef struct walk {
	fg_check_ctx *ctx;
	unsigned reported, dropped;
	const fg_node *first_dropped;
} walk;

__attribute__((format(printf, 5, 6)))
static void report(walk *w, const fg_node *n, int sev, const char *subject, const char *fmt, ...)
{
	if (w->reported >= MAX_FINDINGS) {
		if (!w->dropped++)
			w->first_dropped = n;
		return;
	}
	w->reported++;
	char excerpt[64], msg[4600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(excerpt, sizeof(excerpt), "mode %04o", (unsigned)(n->mode & 07777));
	fg_report_at(w->ctx, n, 0, -1, sev, subject, excerpt, "%s", msg);
}

static bool under(const char *path, const char *const *dirs)
{
	for (; *dirs; dirs++) {
		size_t l = strlen(*dirs);
		if (strncmp(path, *dirs, l) == 0 && (path[l] == '/' || path[l] == '\0'))
			return true;
	}
	return false;
}

/* "shadow.bak" -> base "shadow"; false when the name is no backup. */
static bool backup_of(const char *name, char *base, size_t cap)
{
	static const char *const suffixes[] = {
		".bak", ".old", ".orig", ".save", ".backup", ".og", ".swp", ".1", "~", "-", NULL,
	};
	size_t nl = strlen(name);
	for (const char *const *s = suffixes; *s; s++) {
		size_t sl = strlen(*s);
		if (nl > sl && strcmp(name + nl - sl, *s) == 0) {
			size_t bl = nl - sl;
			if (name[0] == '.' && strcmp(*s, ".swp") == 0) { /* vim: .shadow.swp */
				name++;
				bl--;
			}
			snprintf(base, cap, "%.*s", (int)bl, name);
			return true;
		}
	}
	return false;
}

/* A shadow-format file with at least one usable hash. */
static bool holds_hash(const fg_node *n)
{
	const uint8_t *d = n->data;
	size_t len = n->data_len < (1u << 20) ? n->data_len : (1u << 20);
	for (size_t p = 0; d && p < len;) {
		const uint8_t *nl = memchr(d + p, '\n', len - p);
		size_t e = nl ? (size_t)(nl - d) : len;
		const uint8_t *c1 = memchr(d + p, ':', e - p);
		if (c1 && c1 + 1 < d + e) {
			char f = (char)c1[1];
			if (f != ':' && f != '*' && f != '!' && f != 'x')
				return true;
		}
		p = e + 1;
	}
	return false;
}

static void check_node(walk *w, const fg_node *n, const char *path)
{
	static const char *const tmp[] = {
		"/tmp", "/var/tmp", "/dev", "/run", "/var/run", "/var/lock", "/proc", "/sys", "/dev/shm", NULL,
	};
	static const char *const code[] = { "/etc", "/bin", "/sbin", "/lib", "/usr", "/www", "/lib64", NULL };
	const char *name = n->name;
	char extra[128] = "";
	if (n->type == FG_NODE_FILE && (n->mode & 06000) && (n->mode & 0111)) {
		snprintf(extra, sizeof(extra), "%s%s%s", n->mode & 04000 ? "setuid" : "",
			 (n->mode & 06000) == 06000 ? "+" : "", n->mode & 02000 ? "setgid" : "");
		report(w, n, FG_SEV_INFO, "setuid", "%s is %s%s: review whether it needs to run with "
		       "raised privileges.", path, extra, n->uid == 0 ? " (owned by root)" : "");
	}
	if ((n->type == FG_NODE_FILE || n->type == FG_NODE_DIR) && (n->mode & 0002) &&
	    !(n->type == FG_NODE_DIR && (n->mode & 01000)) && !under(path, tmp)) {
		bool critical = under(path, code);
		report(w, n, critical ? FG_SEV_MEDIUM : FG_SEV_LOW, "world-writable",
		       "%s is world-writable%s.", path,
		       critical ? ": any local process can change code or configuration there" : "");
	}
	char base[256];
	if (n->type == FG_NODE_FILE && backup_of(name, base, sizeof(base))) {
		bool shadow = strcmp(base, "shadow") == 0 || strcmp(base, "gshadow") == 0 ||
			      strcmp(base, "master.passwd") == 0;
		bool account = strcmp(base, "passwd") == 0 || strcmp(base, "group") == 0 ||
			       strcmp(base, "sudoers") == 0;
		if (shadow) {
			bool hash = holds_hash(n);
			report(w, n, hash ? FG_SEV_HIGH : FG_SEV_MEDIUM, "backup",
			       "%s is a leftover copy of a password file%s.", path,
			       hash ? " with password hashes in it: old or alternative passwords ship in "
				      "every unit" : "");
		} else if (account) {
			report(w, n, FG_SEV_LOW, "backup", "%s is a leftover copy of an account file.", path);
		} else if (strncmp(path, "/etc/", 5) == 0 && strcmp(name + strlen(name) - 1, "-") != 0) {
			report(w, n, FG_SEV_INFO, "backup", "%s is a leftover backup of a configuration "
			       "file.", path);
		}
	}
	if (n->type == FG_NODE_DIR && (strcmp(name, ".git") == 0 || strcmp(name, ".svn") == 0 ||
				       strcmp(name, ".hg") == 0 || strcmp(name, "CVS") == 0))
		report(w, n, FG_SEV_LOW, "vcs", "%s is a version-control directory: it leaks sources "
		       "and history.", path);
	static const char *const hist[] = {
		".bash_history", ".ash_history", ".sh_history", ".mysql_history", ".python_history",
		".viminfo", ".lesshst", NULL,
	};
	for (const char *const *h = hist; n->type == FG_NODE_FILE && *h; h++)
		if (strcmp(name, *h) == 0 && n->data_len)
			report(w, n, FG_SEV_MEDIUM, "history", "%s is a shell or tool history left in the "
			       "image: commands typed during development, passwords included.", path);
	if (n->type == FG_NODE_FILE && n->data && n->data_len > 20 && memcmp(n->data, "\x7f" "ELF", 4) == 0 &&
	    (strcmp(name, "core") == 0 || strncmp(name, "core.", 5) == 0)) {
		unsigned type = n->data[5] == 2 ? (unsigned)n->data[16] << 8 | n->data[17]
						: (unsigned)n->data[17] << 8 | n->data[16];
		if (type == 4)
			report(w, n, FG_SEV_LOW, "core", "%s is a core dump: process memory (keys, "
			       "passwords) left in the image.", path);
	}
}

static void run(fg_check_ctx *ctx)
{
	walk w = { .ctx = ctx };
	FG_VEC(const fg_node *) stack = { 0 };
	fg_node *root = fg_ctx_root(ctx);
	if (!root || !FG_VEC_PUSH(&stack, root))
		return;
	while (stack.n) {
		const fg_node *n = stack.v[--stack.n];
		if (n != root) {
			char path[4096];
			if (fg_node_path(n, path, sizeof(path)))
				check_node(&w, n, path);
		}
		if (n->type != FG_NODE_DIR)
			continue;
		for (size_t i = n->nchildren; i-- > 0;)
			if (!FG_VEC_PUSH(&stack, n->children[i]))
				goto out;
	}
out:
	FG_VEC_FREE(&stack);
	if (w.dropped && w.first_dropped) {
		char path[4096] = "/";
		fg_node_path(w.first_dropped, path, sizeof(path));
		fg_report_at(ctx, w.first_dropped, 0, -1, FG_SEV_INFO, "more", NULL,
			     "%u more file system hygiene findings were not listed (first: %s).", w.dropped,
			     path);
	}
}

const fg_check fg_check_fs_hygiene = {
	.id = "fs.hygiene",
	.title = "File system hygiene: special permissions, writable paths, leftovers",
	.severity = FG_SEV_LOW,
	.remediation = "Drop setuid/setgid bits that are not needed, make system paths writable by "
		       "root only, and remove backups, histories, core dumps and version-control "
		       "data from the image build.",
	.run = run,
};
