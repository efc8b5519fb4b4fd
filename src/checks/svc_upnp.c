/*
 * svc_upnp.c - UPnP IGD (miniupnpd) without secure mode.
 *
 * miniupnpd lets LAN hosts open ports in the router's firewall. Without
 * secure mode, a host may map ports to any other internal address, so
 * one compromised device (or a web page, via CSRF-style SSDP tricks)
 * can expose every device behind the router. Read:
 *   /etc/config/upnpd (OpenWrt UCI): a "upnpd" section not switched off
 *     (enabled / enable_upnp / enable_natpmp not all 0) with secure_mode 0;
 *   /etc/miniupnpd.conf, /etc/miniupnpd/miniupnpd.conf: secure_mode=no.
 * One finding at the secure_mode line, HIGH. An allow rule for
 * 0.0.0.0/0 and NAT-PMP are named in the message.
 */
#include <stdio.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"
#include "checks/uci.h"

static void check_uci(fg_check_ctx *ctx)
{
	const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, "/etc/config/upnpd"));
	fg_uci *u = fg_uci_of_node(n);
	bool allow_all = false;
	for (size_t i = 0; u && i < u->v.n; i++) {
		const fg_uci_section *s = &u->v.v[i];
		const fg_uci_opt *a = fg_uci_get(s, "action"), *ip = fg_uci_get(s, "int_addr");
		if (strcmp(s->type, "perm_rule") == 0 && a && strcmp(a->value, "allow") == 0 && ip &&
		    strcmp(ip->value, "0.0.0.0/0") == 0)
			allow_all = true;
	}
	for (size_t i = 0; u && i < u->v.n; i++) {
		const fg_uci_section *s = &u->v.v[i];
		if (strcmp(s->type, "upnpd") != 0)
			continue;
		const fg_uci_opt *sm = fg_uci_get(s, "secure_mode");
		const fg_uci_opt *en = fg_uci_get(s, "enabled"), *eu = fg_uci_get(s, "enable_upnp"),
				 *ep = fg_uci_get(s, "enable_natpmp");
		if (!fg_uci_false(sm) || fg_uci_false(en) || (fg_uci_false(eu) && fg_uci_false(ep)))
			continue;
		fg_report_at(ctx, n, sm->line, -1, -1, "upnpd:secure_mode", NULL,
			     "/etc/config/upnpd enables miniupnpd with secure_mode 0 (line %u): any LAN "
			     "host may open ports in the firewall to any internal address.%s%s",
			     sm->line, fg_uci_true(ep) ? " NAT-PMP is enabled too." : "",
			     allow_all ? " A perm_rule allows every internal address (0.0.0.0/0)." : "");
	}
	fg_uci_free(u);
}

static void check_conf(fg_check_ctx *ctx, const char *path)
{
	const fg_node *n = fg_node_content(fg_ctx_lookup(ctx, path));
	const char *t, *s;
	size_t len, l;
	if (!n || !fg_text_of(n, &t, &len))
		return;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	while (fg_line_next(&it, &s, &l)) {
		fg_kv kv;
		if (!fg_kv_parse(s, l, &kv) || kv.klen != 11 || strncmp(kv.key, "secure_mode", 11) != 0 ||
		    !fg_value_is_off(kv.val, kv.vlen))
			continue;
		fg_report_at(ctx, n, it.no, -1, -1, "miniupnpd:secure_mode", NULL,
			     "%s sets secure_mode=%.*s (line %u): any LAN host may open ports in the "
			     "firewall to any internal address.", path, (int)kv.vlen, kv.val, it.no);
	}
}

static void run(fg_check_ctx *ctx)
{
	check_uci(ctx);
	check_conf(ctx, "/etc/miniupnpd.conf");
	check_conf(ctx, "/etc/miniupnpd/miniupnpd.conf");
}

const fg_check fg_check_upnp = {
	.id = "services.upnp",
	.title = "UPnP port mapping without secure mode",
	.severity = FG_SEV_HIGH,
	.remediation = "Disable UPnP IGD / NAT-PMP by default; if it must be offered, enable secure "
		       "mode (a host may only map ports to itself) and restrict the permission rules.",
	.run = run,
};
