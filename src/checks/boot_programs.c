/*
 * boot_programs.c - programs started at boot (rules in boot_programs.h).
 */
#include "checks/boot_programs.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_PROBE 4096         /* a NUL in here means "binary" */
#define MAX_TEXT (1u << 20)     /* bytes of one script or config read */
#define MAX_SCRIPTS 2048        /* scripts followed per tree */
#define MAX_WORD 256
#define MAX_WORDS 32

typedef struct bscan {
	fg_node *root;
	fg_boot_programs *out;
	FG_VEC(const fg_node *) seen;    /* scripts queued */
	FG_VEC(const char *) queue;      /* their paths (arena) */
} bscan;

/* Run once and exit, or local only: never "network-facing". */
static const char *const local_only[] = {
	"sh", "ash", "bash", "dash", "hush", "msh", "getty", "agetty", "mingetty", "login",
	"init", "reboot", "halt", "poweroff", "shutdown", "mount", "umount", "swapon",
	"swapoff", "mkdir", "rmdir", "rm", "cp", "mv", "ln", "ls", "cat", "echo", "printf",
	"test", "[", "[[", "sleep", "usleep", "true", "false", "hostname", "ifconfig", "ip",
	"route", "iptables", "ip6tables", "iptables-restore", "ip6tables-restore",
	"xtables-legacy-multi", "xtables-nft-multi", "nft", "ebtables", "brctl", "vconfig",
	"insmod", "rmmod", "modprobe", "depmod", "sysctl", "chmod", "chown", "chgrp", "touch",
	"mknod", "mkfifo", "kill", "killall", "pidof", "pgrep", "pkill", "grep", "egrep",
	"fgrep", "sed", "awk", "cut", "tr", "head", "tail", "sort", "uniq", "wc", "logger",
	"date", "sync", "df", "du", "find", "xargs", "basename", "dirname", "readlink",
	"expr", "seq", "tee", "env", "uname", "id", "whoami", "stty", "tty", "dmesg",
	"klogd", "syslogd", "logread", "hwclock", "free", "ps", "top", "watchdog", "mdev",
	"udevadm", "start-stop-daemon", "cttyhack", "ldconfig", "mkfs", "fsck", "mkswap",
	"hdparm", "nvram", "fw_printenv", "fw_setenv", "ubiattach", "ubimkvol", "tar",
	"gzip", "gunzip", "zcat", "openssl", "dropbearkey", "ssh-keygen", "nice", "nohup",
	"setsid", "busybox", "run-parts", "crond", "wpa_cli", "hostapd_cli", "sqlite3",
	NULL,
};

/* Busybox applets that serve or read the network. */
static const char *const net_applets[] = {
	"telnetd", "httpd", "ftpd", "tftpd", "udhcpd", "udhcpc", "udhcpc6", "dhcprelay",
	"inetd", "ntpd", "dnsd", "fakeidentd", "nc", "netcat", "tcpsvd", "udpsvd", "wget",
	NULL,
};

/* Words that come before the program of a command. */
static const char *const prefixes[] = {
	"if", "then", "else", "elif", "do", "while", "until", "!", "{", "exec", "nohup",
	"nice", "setsid", "sudo", "command", "builtin", "time", "env", "service_start",
	"daemon", "start_daemon", "respawn", NULL,
};

static const char *const path_dirs[] = { "/sbin", "/usr/sbin", "/bin", "/usr/bin", NULL };

static bool in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool is_elf(const fg_node *n)
{
	return n && n->data && n->data_len >= 4 && memcmp(n->data, "\x7f" "ELF", 4) == 0;
}

/* Text content of N (after links), capped; false for binaries. */
static bool text_of(const fg_node *n, const char **t, size_t *len)
{
	n = fg_node_content(n);
	if (!n || !n->data)
		return false;
	size_t probe = n->data_len < TEXT_PROBE ? n->data_len : TEXT_PROBE;
	if (memchr(n->data, 0, probe))
		return false;
	*t = (const char *)n->data;
	*len = n->data_len < MAX_TEXT ? n->data_len : MAX_TEXT;
	return true;
}

static void add_prog(bscan *b, const fg_node *n, const char *how)
{
	for (size_t i = 0; i < b->out->v.n; i++)
		if (b->out->v.v[i].node == n)
			return;
	fg_boot_prog p = { n, fg_arena_strdup(&b->out->arena, how) };
	if (p.how)
		FG_VEC_PUSH(&b->out->v, p);
}

static void queue_script(bscan *b, const fg_node *n, const char *path)
{
	n = fg_node_content(n);
	if (!n || b->seen.n >= MAX_SCRIPTS)
		return;
	for (size_t i = 0; i < b->seen.n; i++)
		if (b->seen.v[i] == n)
			return;
	const char *p = fg_arena_strdup(&b->out->arena, path);
	if (p && FG_VEC_PUSH(&b->seen, n))
		FG_VEC_PUSH(&b->queue, p);
}

/* Resolves a program word: an absolute path, or a bare name looked up
 * in the usual PATH directories when BARE_OK. */
static const fg_node *resolve(bscan *b, const char *word, bool bare_ok)
{
	if (word[0] == '/')
		return fg_node_content(fg_tree_lookup(b->root, word, true));
	if (!bare_ok || !word[0] || strpbrk(word, "/=$`\\*?"))
		return NULL;
	for (const char *const *d = path_dirs; *d; d++) {
		char p[512];
		snprintf(p, sizeof(p), "%s/%s", *d, word);
		const fg_node *n = fg_node_content(fg_tree_lookup(b->root, p, true));
		if (n)
			return n;
	}
	return NULL;
}

/* WORD names a program run at boot (HOW says where). NEXT is the word
 * after it, for "busybox APPLET". Scripts are queued when SCRIPT_OK. */
static void consider(bscan *b, const char *word, const char *next, bool cmd_pos, const char *how)
{
	const fg_node *n = resolve(b, word, cmd_pos);
	if (!n)
		return;
	const char *t;
	size_t len;
	if (!is_elf(n)) {
		if (cmd_pos && word[0] == '/' && text_of(n, &t, &len))
			queue_script(b, n, word);
		return;
	}
	const char *name = base_name(word);
	if (strcmp(name, "busybox") == 0 && next)
		name = base_name(next);
	if (strcmp(base_name(n->name), "busybox") == 0 ? !in_list(name, net_applets)
						       : in_list(name, local_only))
		return;
	add_prog(b, n, how);
}

/* ---- shell scripts ------------------------------------------------------- */

/* Splits LINE into words; separators end a command. Quotes are dropped,
 * "#" at a word start ends the line. Returns the words and, per word,
 * whether it starts a command. */
typedef struct words {
	char w[MAX_WORDS][MAX_WORD];
	bool starts[MAX_WORDS];
	size_t n;
} words;

static void split_line(const char *s, size_t len, words *out)
{
	size_t i = 0;
	bool start = true;
	out->n = 0;
	while (i < len && out->n < MAX_WORDS) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\r') {
			i++;
			continue;
		}
		if (strchr(";|&()`", c) || (c == '$' && i + 1 < len && s[i + 1] == '(')) {
			start = true;
			i += c == '$' ? 2 : 1;
			continue;
		}
		if (c == '#')
			break;
		size_t k = 0;
		while (i < len && !strchr(" \t\r;|&()`", s[i])) {
			if (s[i] != '"' && s[i] != '\'' && k < MAX_WORD - 1)
				out->w[out->n][k++] = s[i];
			i++;
		}
		out->w[out->n][k] = '\0';
		out->starts[out->n++] = start;
		start = false;
	}
}

static bool is_assignment(const char *w)
{
	const char *eq = strchr(w, '=');
	return eq && eq != w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
		(size_t)(eq - w);
}

static void scan_words(bscan *b, words *ws, const char *how)
{
	bool cmd = false;
	for (size_t i = 0; i < ws->n; i++) {
		const char *w = ws->w[i];
		if (ws->starts[i])
			cmd = true;
		if (cmd && (in_list(w, prefixes) || is_assignment(w)))
			continue;
		const char *next = i + 1 < ws->n ? ws->w[i + 1] : NULL;
		if (cmd && (strcmp(w, ".") == 0 || strcmp(w, "source") == 0) && next) {
			consider(b, next, NULL, true, how);
			i++;
		} else if (cmd && strcmp(w, "procd_set_param") == 0 && next &&
			   strcmp(next, "command") == 0) {
			i++;    /* the next word is the program */
			continue;
		} else if (cmd || w[0] == '/') {
			consider(b, w, next, cmd, how);
		}
		cmd = false;
	}
}

static void scan_script(bscan *b, const char *path)
{
	const fg_node *n = fg_node_content(fg_tree_lookup(b->root, path, true));
	const char *t;
	size_t len, pos = 0;
	unsigned line = 0;
	words *ws = malloc(sizeof(*ws));
	if (!ws || !n || !text_of(n, &t, &len)) {
		free(ws);
		return;
	}
	while (pos < len) {
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - t) : len;
		char how[600];
		line++;
		split_line(t + pos, end - pos, ws);
		snprintf(how, sizeof(how), "%.500s line %u", path, line);
		scan_words(b, ws, how);
		pos = end + 1;
	}
	free(ws);
}

/* ---- seeds ----------------------------------------------------------------- */

static void seed_script(bscan *b, const char *path)
{
	const fg_node *n = fg_node_content(fg_tree_lookup(b->root, path, true));
	const char *t;
	size_t len;
	if (n && text_of(n, &t, &len))
		queue_script(b, n, path);
}

static void seed_dir(bscan *b, const char *dir, bool init_d)
{
	fg_node *d = fg_tree_lookup(b->root, dir, true);
	if (!d || d->type != FG_NODE_DIR)
		return;
	for (size_t i = 0; i < d->nchildren; i++) {
		const char *name = d->children[i]->name;
		char path[1024];
		/* busybox rcS runs /etc/init.d/S??*; rc directories run S* links */
		if (name[0] != 'S' || (init_d && strlen(name) < 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		seed_script(b, path);
	}
}

static void seed_scripts(bscan *b)
{
	static const char *const fixed[] = {
		"/etc/init.d/rcS", "/etc/rcS", "/etc/rc.local", "/etc/rc.d/rc.local", "/etc/rc.d/rcS",
		"/etc/rc.sysinit", "/etc/rc.d/rc.sysinit", NULL,
	};
	static const char *const rc_dirs[] = {
		"/etc/rc.d", "/etc/rcS.d", "/etc/rc1.d", "/etc/rc2.d", "/etc/rc3.d", "/etc/rc4.d",
		"/etc/rc5.d", "/etc/rc.d/rcS.d", "/etc/rc.d/rc1.d", "/etc/rc.d/rc2.d",
		"/etc/rc.d/rc3.d", "/etc/rc.d/rc4.d", "/etc/rc.d/rc5.d", NULL,
	};
	for (const char *const *p = fixed; *p; p++)
		seed_script(b, *p);
	seed_dir(b, "/etc/init.d", true);
	for (const char *const *d = rc_dirs; *d; d++)
		seed_dir(b, *d, false);
}

/* Calls FN for each line of the file at PATH with its 1-based number. */
static void each_line(bscan *b, const char *path,
		      void (*fn)(bscan *b, const char *path, unsigned no, const char *s, size_t l))
{
	const char *t;
	size_t len, pos = 0;
	unsigned no = 0;
	if (!text_of(fg_tree_lookup(b->root, path, true), &t, &len))
		return;
	while (pos < len) {
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - t) : len;
		no++;
		fn(b, path, no, t + pos, end - pos);
		pos = end + 1;
	}
}

/* inittab: "id:runlevels:action:process" */
static void inittab_line(bscan *b, const char *path, unsigned no, const char *s, size_t l)
{
	const char *f[4];
	size_t k = 0;
	f[k++] = s;
	for (size_t i = 0; i < l && k < 4; i++)
		if (s[i] == ':')
			f[k++] = s + i + 1;
	/* the fields point into S, which is not NUL-terminated: compare
	 * within the line only */
	if (k < 4 || s[0] == '#' || (f[3] - f[2] == 4 && memcmp(f[2], "off:", 4) == 0))
		return;
	words *ws = malloc(sizeof(*ws));
	if (!ws)
		return;
	const char *proc = f[3];
	if (proc < s + l && *proc == '-') /* busybox: "-" asks for a login shell */
		proc++;
	split_line(proc, (size_t)(s + l - proc), ws);
	char how[600];
	snprintf(how, sizeof(how), "%s line %u", path, no);
	scan_words(b, ws, how);
	free(ws);
}

/* inetd.conf: "service socktype proto wait user server args" */
static void inetd_line(bscan *b, const char *path, unsigned no, const char *s, size_t l)
{
	words *ws = malloc(sizeof(*ws));
	if (!ws)
		return;
	split_line(s, l, ws);
	if (ws->n >= 6 && strcmp(ws->w[5], "internal") != 0) {
		char how[600];
		size_t prog = 5;
		if (strcmp(base_name(ws->w[5]), "tcpd") == 0 && ws->n >= 7)
			prog = 6;
		snprintf(how, sizeof(how), "%s line %u (service %.64s)", path, no, ws->w[0]);
		consider(b, ws->w[prog], prog + 1 < ws->n ? ws->w[prog + 1] : NULL, true, how);
	}
	free(ws);
}

static void scan_inetd(bscan *b)
{
	each_line(b, "/etc/inetd.conf", inetd_line);
	fg_node *d = fg_tree_lookup(b->root, "/etc/inetd.d", true);
	for (size_t i = 0; d && d->type == FG_NODE_DIR && i < d->nchildren; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "/etc/inetd.d/%s", d->children[i]->name);
		each_line(b, path, inetd_line);
	}
}

/* xinetd: "server = /path" inside "service x { ... }" without "disable = yes". */

/* "key = value" of an xinetd line, read within the line (which is not
 * NUL-terminated: sscanf would run past it). KEY holds 31 bytes of
 * [a-z_], VAL the first word after '=' up to MAX_WORD-1 bytes. */
static bool line_kv(const char *s, size_t l, char key[32], char val[MAX_WORD])
{
	size_t i = 0, k = 0, v = 0;
	while (i < l && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (i < l && k < 31 && ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
		key[k++] = s[i++];
	key[k] = '\0';
	while (i < l && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (!k || i >= l || s[i] != '=')
		return false;
	i++;
	while (i < l && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (i < l && v < MAX_WORD - 1 && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
		val[v++] = s[i++];
	val[v] = '\0';
	return v > 0;
}

static void scan_xinetd_file(bscan *b, const char *path)
{
	const char *t;
	size_t len, pos = 0;
	unsigned no = 0, server_line = 0;
	char server[MAX_WORD] = "";
	bool disabled = false;
	if (!text_of(fg_tree_lookup(b->root, path, true), &t, &len))
		return;
	while (pos < len) {
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - t) : len, l = end - pos;
		const char *s = t + pos;
		char key[32] = "", val[MAX_WORD] = "";
		no++;
		if (memchr(s, '{', l)) {
			server[0] = '\0';
			disabled = false;
		} else if (memchr(s, '}', l)) {
			if (server[0] && !disabled) {
				char how[600];
				snprintf(how, sizeof(how), "%s line %u", path, server_line);
				consider(b, server, NULL, true, how);
			}
			server[0] = '\0';
		} else if (line_kv(s, l, key, val)) {
			if (strcmp(key, "server") == 0) {
				snprintf(server, sizeof(server), "%s", val);
				server_line = no;
			} else if (strcmp(key, "disable") == 0) {
				disabled = strcmp(val, "yes") == 0;
			}
		}
		pos = end + 1;
	}
}

static void scan_xinetd(bscan *b)
{
	scan_xinetd_file(b, "/etc/xinetd.conf");
	fg_node *d = fg_tree_lookup(b->root, "/etc/xinetd.d", true);
	for (size_t i = 0; d && d->type == FG_NODE_DIR && i < d->nchildren; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "/etc/xinetd.d/%s", d->children[i]->name);
		scan_xinetd_file(b, path);
	}
}

/* systemd: ExecStart= of services enabled through a *.wants directory. */
static void unit_line(bscan *b, const char *path, unsigned no, const char *s, size_t l)
{
	if (l < 10 || strncmp(s, "ExecStart=", 10) != 0)
		return;
	const char *v = s + 10, *e = s + l;
	while (v < e && strchr(" \t-@:+!", *v)) /* systemd's exec prefixes */
		v++;
	words *ws = malloc(sizeof(*ws));
	if (!ws)
		return;
	char how[600];
	snprintf(how, sizeof(how), "%s line %u", path, no);
	split_line(v, (size_t)(e - v), ws);
	if (ws->n)
		consider(b, ws->w[0], ws->n > 1 ? ws->w[1] : NULL, true, how);
	free(ws);
}

static void scan_systemd(bscan *b)
{
	static const char *const dirs[] = {
		"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system", NULL,
	};
	for (const char *const *ud = dirs; *ud; ud++) {
		fg_node *d = fg_tree_lookup(b->root, *ud, true);
		for (size_t i = 0; d && d->type == FG_NODE_DIR && i < d->nchildren; i++) {
			const fg_node *w = d->children[i];
			size_t nl = strlen(w->name);
			if (w->type != FG_NODE_DIR || nl < 6 || strcmp(w->name + nl - 6, ".wants") != 0)
				continue;
			for (size_t k = 0; k < w->nchildren; k++) {
				const char *name = w->children[k]->name;
				char path[1024];
				snprintf(path, sizeof(path), "%s/%s/%s", *ud, w->name, name);
				each_line(b, path, unit_line);
			}
		}
	}
}

/* ---- entry points ---------------------------------------------------------- */

fg_boot_programs *fg_boot_programs_scan(fg_node *root)
{
	fg_boot_programs *out = calloc(1, sizeof(*out));
	if (!out)
		return NULL;
	fg_arena_init(&out->arena);
	bscan b = { .root = root, .out = out };
	each_line(&b, "/etc/inittab", inittab_line);
	seed_scripts(&b);
	for (size_t i = 0; i < b.queue.n; i++) /* the queue grows as scripts call scripts */
		scan_script(&b, b.queue.v[i]);
	scan_inetd(&b);
	scan_xinetd(&b);
	scan_systemd(&b);
	FG_VEC_FREE(&b.seen);
	FG_VEC_FREE(&b.queue);
	return out;
}

const fg_boot_prog *fg_boot_programs_find(const fg_boot_programs *b, const fg_node *node)
{
	for (size_t i = 0; b && i < b->v.n; i++)
		if (b->v.v[i].node == node)
			return &b->v.v[i];
	return NULL;
}

void fg_boot_programs_free(fg_boot_programs *b)
{
	if (!b)
		return;
	FG_VEC_FREE(&b->v);
	fg_arena_free(&b->arena);
	free(b);
}
