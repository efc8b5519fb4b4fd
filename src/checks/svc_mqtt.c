/*
 * svc_mqtt.c - Mosquitto brokers that accept anonymous clients.
 *
 * Read: /etc/mosquitto/mosquitto.conf, /etc/mosquitto/conf.d/ *.conf,
 * /etc/mosquitto.conf, and the file mosquitto is started with (-c).
 *   allow_anonymous true                          HIGH, at that line;
 *   a listener/port but no allow_anonymous, no password_file, no
 *   auth_plugin/plugin and no psk_file            MEDIUM, at the first
 *     listener line: Mosquitto before 2.0 accepts anonymous clients by
 *     default (2.0 refuses them; the version is not known here).
 * An allow_anonymous false anywhere in the files read settles it.
 */
#include <stdio.h>
#include <string.h>

#include "checks/boot.h"
#include "checks/check.h"
#include "checks/files.h"

typedef struct conf_state {
	const fg_node *listener_node;
	unsigned listener_line;
	bool auth, anon_false, anon_true;
} conf_state;

static void read_conf(fg_check_ctx *ctx, fg_seen *seen, const fg_node *n, const char *path,
		      conf_state *st)
{
	const char *t, *s;
	size_t len, l;
	if (!n || !fg_text_of(n, &t, &len) || !fg_seen_first(seen, n, 0))
		return;
	fg_line_iter it;
	fg_line_iter_init(&it, t, len);
	while (fg_line_next(&it, &s, &l)) {
		fg_kv kv;
		if (!fg_kv_parse(s, l, &kv))
			continue;
		char key[64];
		fg_key_norm(kv.key, kv.klen, key, sizeof(key));
		if (strcmp(key, "allowanonymous") == 0) {
			if (fg_value_is_on(kv.val, kv.vlen)) {
				st->anon_true = true;
				fg_report_at(ctx, n, it.no, -1, -1, "mosquitto:allow_anonymous", NULL,
					     "%s sets allow_anonymous %.*s (line %u): the MQTT broker "
					     "accepts clients without any credentials.", path,
					     (int)kv.vlen, kv.val, it.no);
			} else {
				st->anon_false = true;
			}
		} else if (strcmp(key, "passwordfile") == 0 || strcmp(key, "authplugin") == 0 ||
			   strcmp(key, "plugin") == 0 || strcmp(key, "pskfile") == 0 ||
			   strcmp(key, "requirecertificate") == 0) {
			st->auth = true;
		} else if ((strcmp(key, "listener") == 0 || strcmp(key, "port") == 0) && !st->listener_node) {
			st->listener_node = n;
			st->listener_line = it.no;
		}
	}
}

static void run(fg_check_ctx *ctx)
{
	conf_state st = { 0 };
	fg_seen seen = { 0 };
	const fg_boot *b = fg_boot_of(ctx);
	for (size_t i = 0; b && i < b->v.n; i++) {
		const fg_boot_start *s = &b->v.v[i];
		const char *c;
		if (strcmp(fg_base_name(s->prog), "mosquitto") == 0 && (c = fg_boot_option(s, "-c")) &&
		    c[0] == '/')
			read_conf(ctx, &seen, fg_node_content(fg_ctx_lookup(ctx, c)), c, &st);
	}
	static const char *const paths[] = { "/etc/mosquitto/mosquitto.conf", "/etc/mosquitto.conf", NULL };
	for (const char *const *p = paths; *p; p++)
		read_conf(ctx, &seen, fg_node_content(fg_ctx_lookup(ctx, *p)), *p, &st);
	fg_node *d = fg_ctx_lookup(ctx, "/etc/mosquitto/conf.d");
	for (size_t i = 0; d && d->type == FG_NODE_DIR && i < d->nchildren; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "/etc/mosquitto/conf.d/%s", d->children[i]->name);
		if (fg_ends_with(path, ".conf"))
			read_conf(ctx, &seen, fg_node_content(fg_ctx_lookup(ctx, path)), path, &st);
	}
	if (st.listener_node && !st.auth && !st.anon_false && !st.anon_true) {
		char path[1024];
		fg_node_path(st.listener_node, path, sizeof(path));
		fg_report_at(ctx, st.listener_node, st.listener_line, -1, FG_SEV_MEDIUM,
			     "mosquitto:no-auth", NULL,
			     "%s opens an MQTT listener (line %u) without password_file, auth plugin or "
			     "allow_anonymous false: Mosquitto before 2.0 accepts anonymous clients by "
			     "default.", path, st.listener_line);
	}
	FG_VEC_FREE(&seen);
}

const fg_check fg_check_mqtt_anonymous = {
	.id = "services.mqtt-anonymous",
	.title = "MQTT broker accepting anonymous clients",
	.severity = FG_SEV_HIGH,
	.remediation = "Set allow_anonymous false and configure password_file (or client "
		       "certificates with require_certificate true) for every listener.",
	.run = run,
};
