/*
 * upd_insecure_download.c - downloads with TLS certificate checks off.
 *
 * Shell scripts (text files starting with "#!" and naming a shell, *.sh
 * files, and everything under /etc/init.d, /etc/rc.d and /etc/hotplug.d)
 * are split into commands with the boot model's lexer (checks/boot.h:
 * comments, quotes, heredocs and echo text are never commands). A
 * command fires when it runs
 *   curl with -k / --insecure (also inside a short-option cluster such
 *     as -sSk; -K is curl's config file and does not count),
 *   wget, uclient-fetch or busybox wget with --no-check-certificate,
 * because then any certificate is accepted and HTTPS gives no protection
 * against a man in the middle. MEDIUM, HIGH when the command line names
 * an update, upgrade, firmware or OTA download. One finding per file, at
 * the first such command, the others counted.
 */
#include <stdio.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"

typedef struct hit {
	unsigned line, count;
	char prog[64], flag[32];
	bool update;
} hit;

static bool curl_insecure(const char *const *argv, size_t argc, char *flag, size_t cap)
{
	for (size_t i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--insecure") == 0) {
			snprintf(flag, cap, "%s", a);
			return true;
		}
		if (a[0] == '-' && a[1] && a[1] != '-' && strchr(a + 1, 'k') &&
		    strspn(a + 1, "sSLfkivqOoIgGJRZ#") == strlen(a + 1)) {
			snprintf(flag, cap, "%.30s", a);
			return true;
		}
	}
	return false;
}

static void one(void *arg, const char *prog, const char *const *argv, size_t argc, unsigned line)
{
	hit *h = arg;
	const char *b = fg_base_name(prog);
	char flag[32] = "";
	bool bad = false;
	if (strcmp(b, "curl") == 0) {
		bad = curl_insecure(argv, argc, flag, sizeof(flag));
	} else if (strcmp(b, "wget") == 0 || strcmp(b, "uclient-fetch") == 0 || strcmp(b, "wget-ssl") == 0) {
		for (size_t i = 0; i < argc && !bad; i++)
			if (strcmp(argv[i], "--no-check-certificate") == 0) {
				bad = true;
				snprintf(flag, sizeof(flag), "%s", argv[i]);
			}
	}
	if (!bad)
		return;
	bool update = false;
	static const char *const words[] = { "update", "upgrade", "firmware", "ota", "fw_", ".bin", NULL };
	for (size_t i = 0; i < argc && !update; i++)
		for (const char *const *w = words; *w && !update; w++)
			update = fg_memcasemem(argv[i], strlen(argv[i]), *w) != NULL;
	if (!h->count++) {
		h->line = line;
		snprintf(h->prog, sizeof(h->prog), "%s", b);
		snprintf(h->flag, sizeof(h->flag), "%s", flag);
	}
	h->update = h->update || update;
}

static bool is_script(const fg_file *f)
{
	const char *t = (const char *)f->node->data;
	size_t len = f->node->data_len;
	if (len > 2 && t[0] == '#' && t[1] == '!') {
		const char *nl = memchr(t, '\n', len < 128 ? len : 128);
		size_t fl = nl ? (size_t)(nl - t) : (len < 128 ? len : 128);
		return memmem(t, fl, "sh", 2) != NULL;
	}
	return fg_ends_with(f->name, ".sh") || strncmp(f->path, "/etc/init.d/", 12) == 0 ||
	       strncmp(f->path, "/etc/rc.d/", 10) == 0 || strncmp(f->path, "/etc/hotplug.d/", 15) == 0;
}

static void run(fg_check_ctx *ctx)
{
	const fg_files *files = fg_files_of(ctx);
	for (size_t i = 0; files && i < files->v.n; i++) {
		const fg_file *f = &files->v.v[i];
		if (!f->text || !is_script(f))
			continue;
		const char *t = (const char *)f->node->data;
		size_t len = f->node->data_len < FG_TEXT_MAX ? f->node->data_len : FG_TEXT_MAX;
		if (!memmem(t, len, "curl", 4) && !memmem(t, len, "wget", 4) && !memmem(t, len, "fetch", 5))
			continue;
		hit h = { 0 };
		fg_sh_each_start(t, len, one, &h);
		if (!h.count)
			continue;
		char subject[128], more[64] = "";
		snprintf(subject, sizeof(subject), "insecure:%s", h.prog);
		if (h.count > 1)
			snprintf(more, sizeof(more), " (%u such commands in the file)", h.count);
		fg_report_at(ctx, f->node, h.line, -1, h.update ? FG_SEV_HIGH : -1, subject, NULL,
			     "%s runs %s with %s (line %u)%s: TLS certificates are not checked, so a man "
			     "in the middle can serve anything%s.", f->path, h.prog, h.flag, h.line, more,
			     h.update ? ", including the firmware update it downloads" : "");
	}
}

const fg_check fg_check_update_insecure_download = {
	.id = "updates.insecure-download",
	.title = "Download with TLS certificate verification disabled",
	.severity = FG_SEV_MEDIUM,
	.remediation = "Remove -k/--insecure and --no-check-certificate; ship the CA certificate the "
		       "server uses (or pin it) and let the client verify it.",
	.run = run,
};
