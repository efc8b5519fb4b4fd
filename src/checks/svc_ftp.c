/*
 * svc_ftp.c - FTP and TFTP servers started at boot.
 *
 * From the boot model (checks/boot.h): a start whose program is an FTP
 * server (vsftpd, proftpd, pure-ftpd*, ftpd, in.ftpd, inetutils-ftpd,
 * bftpd, uftpd, busybox ftpd) or a TFTP server (tftpd, in.tftpd,
 * atftpd, opentftpd, busybox tftpd), directly or behind busybox
 * tcpsvd/udpsvd; and every inetd or xinetd entry serving ftp, ftps or
 * tftp (by service name or server program). Each inetd line is its own
 * finding, so ftp and tftp in one inetd.conf are two findings.
 *
 * FTP sends passwords and data in clear text; TFTP has no authentication
 * at all. HIGH when the start is proven to happen at boot, MEDIUM when
 * the script is not proven to run at boot, nothing for an OpenWrt init
 * script that is disabled. For vsftpd the configuration file (its first
 * argument, else /etc/vsftpd.conf or /etc/vsftpd/vsftpd.conf) is read:
 * anonymous_enable=YES (and anon_upload_enable=YES) is named in the
 * message; proftpd's <Anonymous> block likewise.
 */
#include <stdio.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"

static const char *const ftp_servers[] = {
	"vsftpd", "proftpd", "pure-ftpd", "ftpd", "in.ftpd", "inetutils-ftpd", "bftpd", "uftpd",
	"wu-ftpd", "in.wuftpd", "stupid-ftpd", NULL,
};
static const char *const tftp_servers[] = {
	"tftpd", "in.tftpd", "atftpd", "in.atftpd", "opentftpd", "tftpd-hpa", "in.tftpd-hpa", NULL,
};

static bool in_list(const char *w, const char *const *l)
{
	for (; *l; l++)
		if (strcmp(w, *l) == 0 || (strcmp(*l, "pure-ftpd") == 0 && strncmp(w, "pure-ftpd", 9) == 0))
			return true;
	return false;
}

/* "ftp", "tftp" or NULL for a program path. */
static const char *kind_of(const char *prog)
{
	const char *b = fg_base_name(prog);
	if (in_list(b, ftp_servers))
		return "ftp";
	if (in_list(b, tftp_servers))
		return "tftp";
	return NULL;
}

/* The server of a start: the program, or the one tcpsvd/udpsvd runs. */
static const char *server_of(const fg_boot_start *s, const char **kind)
{
	*kind = kind_of(s->prog);
	if (*kind)
		return s->prog;
	const char *b = fg_base_name(s->prog);
	if (strcmp(b, "tcpsvd") == 0 || strcmp(b, "udpsvd") == 0) {
		for (size_t i = 0; i < s->argc; i++)
			if ((*kind = kind_of(s->argv[i])))
				return s->argv[i];
	}
	return NULL;
}

/* vsftpd / proftpd anonymous access, as text for the message. */
static void anonymous_note(fg_check_ctx *ctx, const fg_boot_start *s, const char *server,
			   char *out, size_t cap)
{
	out[0] = '\0';
	const char *b = fg_base_name(server);
	const char *conf = NULL;
	if (strcmp(b, "vsftpd") == 0) {
		const char *op = fg_boot_first_operand(s, NULL);
		static const char *const defaults[] = { "/etc/vsftpd.conf", "/etc/vsftpd/vsftpd.conf", NULL };
		const fg_node *n = op && op[0] == '/' ? fg_node_content(fg_ctx_lookup(ctx, op)) : NULL;
		for (const char *const *d = defaults; !n && *d; d++)
			if ((n = fg_node_content(fg_ctx_lookup(ctx, *d))))
				op = *d;
		const char *t;
		size_t len;
		if (!n || !fg_text_of(n, &t, &len))
			return;
		conf = op;
		fg_line_iter it;
		fg_line_iter_init(&it, t, len);
		const char *l;
		size_t ll;
		unsigned anon = 0;
		bool upload = false;
		while (fg_line_next(&it, &l, &ll)) {
			fg_kv kv;
			if (!fg_kv_parse(l, ll, &kv) || kv.spaced)
				continue;
			bool yes = kv.vlen == 3 && strncasecmp(kv.val, "YES", 3) == 0;
			if (kv.klen == 16 && strncmp(kv.key, "anonymous_enable", 16) == 0)
				anon = yes ? it.no : 0;
			else if (kv.klen == 18 && strncmp(kv.key, "anon_upload_enable", 18) == 0)
				upload = yes;
		}
		if (anon)
			snprintf(out, cap, " Anonymous logins are enabled (%s line %u: anonymous_enable=YES%s).",
				 conf, anon, upload ? ", with anonymous uploads" : "");
	} else if (strcmp(b, "proftpd") == 0) {
		const char *t;
		size_t len;
		const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, "/etc/proftpd/proftpd.conf"));
		if (!n)
			n = fg_node_content(fg_ctx_lookup(ctx, "/etc/proftpd.conf"));
		if (n && fg_text_of(n, &t, &len) && fg_memcasemem(t, len, "<Anonymous"))
			snprintf(out, cap, " The proftpd configuration has an <Anonymous> block.");
	}
}

static void report(fg_check_ctx *ctx, fg_seen *seen, const fg_boot_start *s, const char *server,
		   const char *kind)
{
	int sev = fg_boot_severity(s, FG_SEV_HIGH);
	if (sev < 0 || !fg_seen_first(seen, s->node, s->line))
		return;
	char where[1600], anon[400] = "", subject[300];
	fg_boot_describe(s, where, sizeof(where));
	if (strcmp(kind, "ftp") == 0)
		anonymous_note(ctx, s, server, anon, sizeof(anon));
	snprintf(subject, sizeof(subject), "%s:%s:%s", kind, s->service[0] ? s->service : "",
		 fg_base_name(server));
	fg_report_at(ctx, s->node, s->line, -1, sev, subject, NULL,
		     "A%s server (%s) is started from %s. %s%s", strcmp(kind, "ftp") == 0 ? "n FTP" : " TFTP",
		     fg_base_name(server), where,
		     strcmp(kind, "ftp") == 0 ? "FTP sends passwords and files in clear text."
					      : "TFTP has no authentication: anyone on the network can "
						"fetch (and often upload) files.", anon);
}

static void run(fg_check_ctx *ctx)
{
	const fg_boot *b = fg_boot_of(ctx);
	fg_seen seen = { 0 };
	for (size_t i = 0; b && i < b->v.n; i++) {
		const fg_boot_start *s = &b->v.v[i];
		const char *kind = NULL, *server = NULL;
		if (s->src == FG_BOOT_INETD || s->src == FG_BOOT_XINETD) {
			const char *prog = s->src == FG_BOOT_INETD ? fg_boot_inetd_program(s) : s->prog;
			kind = kind_of(prog);
			server = prog;
			if (!kind && (strcmp(s->service, "ftp") == 0 || strcmp(s->service, "ftps") == 0))
				kind = "ftp";
			else if (!kind && strcmp(s->service, "tftp") == 0)
				kind = "tftp";
			if (kind && !server[0])
				server = s->service;
		} else if (s->src != FG_BOOT_SOCKET) {
			server = server_of(s, &kind);
		}
		if (kind && server)
			report(ctx, &seen, s, server, kind);
	}
	FG_VEC_FREE(&seen);
}

const fg_check fg_check_ftp = {
	.id = "services.ftp",
	.title = "FTP or TFTP server started at boot",
	.severity = FG_SEV_HIGH,
	.remediation = "Do not start FTP or TFTP servers on production firmware: remove them from the "
		       "boot scripts, inittab and inetd/xinetd/systemd. Use authenticated, encrypted "
		       "transfer (SFTP/SCP, HTTPS) if files must be moved.",
	.run = run,
};
