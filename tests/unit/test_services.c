/* services.ftp, .snmp, .upnp, .backdoor, .mqtt-anonymous, .adb-gdbserver,
 * .root-daemons, tls.weak-config, and the shared boot model (checks/boot.h). */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "check_tree.h"
#include "checks/boot.h"

static const char rcS[] =
	"#!/bin/sh\nmount -t proc proc /proc\nfor s in /etc/init.d/S??*; do\n    [ -x \"$s\" ] && \"$s\" start\ndone\n";

/* ---- boot model ------------------------------------------------------------- */

TEST(boot_model_unwraps_and_proves)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/inittab", "::sysinit:/etc/init.d/rcS\n#::respawn:/usr/sbin/vsftpd\nttyS0::respawn:-/bin/sh\n");
	ct_file(&t, "etc/init.d/rcS", rcS);
	ct_file(&t, "etc/init.d/S50x",
		"#!/bin/sh\nDAEMON=/usr/sbin/snmpd\nstart-stop-daemon -S -x $DAEMON -- -c /etc/snmp/x.conf\n"
		"start-stop-daemon -K -x /usr/sbin/vsftpd\nbusybox tftpd -c /srv\necho vsftpd\n");
	ct_file(&t, "etc/init.d/helper", "#!/bin/sh\nproftpd\n");
	fg_boot *b = fg_boot_build(t.root);
	REQUIRE(b);
	bool snmpd = false, tftpd = false, vsftpd = false, shell = false, proftpd = false;
	for (size_t i = 0; i < b->v.n; i++) {
		const fg_boot_start *s = &b->v.v[i];
		const char *base = fg_base_name(s->prog);
		if (strcmp(base, "snmpd") == 0) {
			snmpd = s->boot == FG_BOOT_YES && s->line == 3 && s->argc == 2 &&
				strcmp(s->argv[1], "/etc/snmp/x.conf") == 0;
			CHECK_STR_EQ(fg_boot_option(s, "-c"), "/etc/snmp/x.conf");
		}
		tftpd |= strcmp(base, "tftpd") == 0 && s->line == 5;
		vsftpd |= strcmp(base, "vsftpd") == 0;
		shell |= s->src == FG_BOOT_INITTAB && strcmp(s->prog, "/bin/sh") == 0 && strcmp(s->id, "ttyS0") == 0;
		proftpd |= strcmp(base, "proftpd") == 0 && s->boot == FG_BOOT_UNKNOWN;
	}
	CHECK(snmpd);
	CHECK(tftpd);
	CHECK(!vsftpd);
	CHECK(shell);
	CHECK(proftpd);
	fg_boot_free(b);
	ct_free(&t);
}

/* ---- ftp ----------------------------------------------------------------------- */

TEST(ftp_servers)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/init.d/rcS", rcS);
	ct_file(&t, "etc/init.d/S60vsftpd",
		"#!/bin/sh\ncase \"$1\" in\n  start)\n    /usr/sbin/vsftpd /etc/vsftpd.conf &\n    ;;\n"
		"  stop)\n    killall vsftpd 2>/dev/null\n    ;;\nesac\n");
	ct_file(&t, "etc/vsftpd.conf", "listen=YES\nanonymous_enable=YES\nanon_upload_enable=YES\n");
	ct_file(&t, "etc/inetd.conf",
		"# <service> <socket> <proto> <wait> <user> <server> <args>\n"
		"telnet  stream  tcp  nowait  root    /usr/sbin/telnetd   telnetd\n"
		"ftp     stream  tcp  nowait  root    /usr/sbin/ftpd      ftpd -l\n"
		"tftp    dgram   udp  wait    root    /usr/sbin/in.tftpd  in.tftpd -s /srv/tftp\n"
		"#ftp    stream  tcp  nowait  root    /usr/sbin/ftpd      ftpd\n");
	ct_file(&t, "etc/xinetd.d/tftp", "service tftp\n{\n\tserver = /usr/sbin/in.tftpd\n\tdisable = yes\n}\n");
	ct_file(&t, "etc/init.d/S70bb", "#!/bin/sh\ntcpsvd -vE 0.0.0.0 21 ftpd -w /srv &\n");
	ct_file(&t, "etc/init.d/pure", "#!/bin/sh\npure-ftpd -B\n");
	ct_run(&t, "services.ftp");
	const fg_finding *f = ct_at(&t, "services.ftp", "/etc/init.d/S60vsftpd", 4);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->message, "Anonymous logins are enabled") != NULL);
	CHECK(strstr(f->message, "uploads") != NULL);
	CHECK(ct_at(&t, "services.ftp", "/etc/inetd.conf", 3) != NULL);
	f = ct_at(&t, "services.ftp", "/etc/inetd.conf", 4);
	REQUIRE(f);
	CHECK(strstr(f->message, "TFTP") != NULL);
	CHECK(ct_at(&t, "services.ftp", "/etc/init.d/S70bb", 2) != NULL);
	f = ct_at(&t, "services.ftp", "/etc/init.d/pure", 2);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	CHECK_INT_EQ(ct_count(&t, NULL), 5);
	CHECK(strcmp(ct_at(&t, "services.ftp", "/etc/inetd.conf", 3)->fingerprint,
		     ct_at(&t, "services.ftp", "/etc/inetd.conf", 4)->fingerprint) != 0);
	ct_free(&t);
}

TEST(ftp_openwrt_disabled_script_is_silent)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/init.d/vsftpd", "#!/bin/sh /etc/rc.common\nSTART=50\nstart() {\n\tservice_start /usr/sbin/vsftpd\n}\n");
	ct_file(&t, "etc/init.d/dnsmasq", "#!/bin/sh /etc/rc.common\nSTART=60\n");
	ct_link(&t, "etc/rc.d/S60dnsmasq", "../init.d/dnsmasq");
	ct_run(&t, "services.ftp");
	CHECK_INT_EQ(ct_count(&t, NULL), 0);
	ct_free(&t);
}

/* ---- snmp ------------------------------------------------------------------------ */

TEST(snmp_communities)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/init.d/rcS", rcS);
	ct_file(&t, "etc/init.d/S40snmpd", "#!/bin/sh\n/usr/sbin/snmpd -c /etc/snmp/snmpd.conf -Lsd\n");
	ct_file(&t, "etc/snmp/snmpd.conf",
		"agentAddress udp:161\ncom2sec readonly  default         public\n"
		"group   MyROGroup v2c             readonly\n#rocommunity public\n"
		"rwcommunity private 10.0.0.0/8\nrocommunity s3cr3t-community\ncom2sec -Cn ctx ro default public\n");
	ct_run(&t, "services.snmp");
	const fg_finding *f = ct_at(&t, "services.snmp", "/etc/snmp/snmpd.conf", 2);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->message, "S40snmpd") != NULL);
	f = ct_at(&t, "services.snmp", "/etc/snmp/snmpd.conf", 5);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_CRITICAL);
	CHECK(ct_at(&t, "services.snmp", "/etc/snmp/snmpd.conf", 7) != NULL);
	CHECK_INT_EQ(ct_count(&t, NULL), 3);
	ct_free(&t);

	t = ct_new();   /* installed but never started: MEDIUM; UCI form */
	ct_file(&t, "etc/snmpd.conf", "rocommunity public\n");
	ct_file(&t, "etc/config/snmpd", "config agent\n\toption agentaddress UDP:161\n\n"
		"config com2sec public\n\toption secname ro\n\toption source default\n\toption community public\n");
	ct_run(&t, "services.snmp");
	f = ct_at(&t, "services.snmp", "/etc/snmpd.conf", 1);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	CHECK(ct_at(&t, "services.snmp", "/etc/config/snmpd", 7) != NULL);
	ct_free(&t);
}

/* ---- upnp ------------------------------------------------------------------------- */

static const char iotgoat_upnpd[] =
	"config upnpd config\n        option enabled          1\n        option enable_natpmp    1\n"
	"        option enable_upnp      1\n        option secure_mode      0\n        option log_output       0\n"
	"        option port             5000\n\nconfig perm_rule\n        option action           allow\n"
	"        option ext_ports        1024-65535\n        option int_addr         0.0.0.0/0       # Does not override secure_mode\n"
	"        option int_ports        0-65535\n        option comment          \"Allow all ports\"\n";

TEST(upnp_secure_mode)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/config/upnpd", iotgoat_upnpd);
	ct_file(&t, "etc/miniupnpd.conf", "ext_ifname=eth0\nsecure_mode=no\n");
	ct_run(&t, "services.upnp");
	const fg_finding *f = ct_at(&t, "services.upnp", "/etc/config/upnpd", 5);
	REQUIRE(f);
	CHECK(strstr(f->message, "0.0.0.0/0") != NULL);
	CHECK(strstr(f->message, "NAT-PMP") != NULL);
	CHECK(ct_at(&t, "services.upnp", "/etc/miniupnpd.conf", 2) != NULL);
	ct_free(&t);

	t = ct_new();
	ct_file(&t, "etc/config/upnpd", "config upnpd config\n\toption enabled 0\n\toption secure_mode 0\n");
	ct_file(&t, "etc/miniupnpd.conf", "secure_mode=yes\n");
	ct_run(&t, "services.upnp");
	CHECK_INT_EQ(ct_count(&t, NULL), 0);
	ct_free(&t);
}

/* ---- backdoors ---------------------------------------------------------------------- */

TEST(backdoors)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/rc.local",
		"# Put your custom commands here that should be executed once\n"
		"# the system init finished. By default this file does nothing.\n\n"
		"/usr/bin/shellback &\ntelnetd -p 65534 &\nexit 0\n");
	ct_file(&t, "etc/init.d/shellback",
		"#!/bin/sh /etc/rc.common\n\nSTART=95\nPROG=/usr/bin/shellback\n\nstart_instance() {\n"
		"\tlocal cfg=\"$1\"\n\teval service_start \"'$PROG' $duration\"\n}\n");
	ct_file(&t, "etc/config/shellback", "config shellback shell_config\n\toption duration 10\n\toption enabled 1\n");
	ct_file(&t, "etc/init.d/S90debug",
		"#!/bin/sh\nnc -l -p 4444 -e /bin/sh &\nnc -lk 8080 > /dev/null &\n");
	ct_file(&t, "etc/init.d/S91socat", "#!/bin/sh\nsocat TCP-LISTEN:5555,fork EXEC:/bin/sh,pty,stderr &\n");
	ct_file(&t, "etc/init.d/S92tel", "#!/bin/sh\n/usr/sbin/telnetd -l /bin/sh -p 2323\n");
	ct_file(&t, "etc/init.d/S93quiet", "#!/bin/sh\necho backdoor disabled\nkillall shellback\n");
	ct_file(&t, "etc/init.d/rcS", rcS);
	ct_run(&t, "services.backdoor");
	const fg_finding *f = ct_at(&t, "services.backdoor", "/etc/rc.local", 4);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(strstr(f->message, "shellback") != NULL);
	f = ct_at(&t, "services.backdoor", "/etc/init.d/shellback", 8);
	REQUIRE(f);
	CHECK(strstr(f->message, "/etc/config/shellback enables it") != NULL);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	f = ct_at(&t, "services.backdoor", "/etc/init.d/S90debug", 2);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_CRITICAL);
	CHECK(ct_at(&t, "services.backdoor", "/etc/init.d/S90debug", 3) == NULL);
	CHECK(ct_at(&t, "services.backdoor", "/etc/init.d/S91socat", 2) != NULL);
	CHECK(ct_at(&t, "services.backdoor", "/etc/init.d/S92tel", 2) != NULL);
	CHECK(ct_at(&t, "services.backdoor", "/etc/init.d/S93quiet", -1) == NULL);
	CHECK_INT_EQ(ct_count(&t, NULL), 5);
	ct_free(&t);
}

/* ---- mqtt, adb, gdbserver ------------------------------------------------------------ */

TEST(mqtt_anonymous)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/mosquitto/mosquitto.conf", "listener 1883\nallow_anonymous true\n");
	ct_run(&t, "services.mqtt-anonymous");
	CHECK(ct_at(&t, "services.mqtt-anonymous", "/etc/mosquitto/mosquitto.conf", 2) != NULL);
	CHECK_INT_EQ(ct_count(&t, NULL), 1);
	ct_free(&t);
	t = ct_new();
	ct_file(&t, "etc/mosquitto/mosquitto.conf", "pid_file /run/m.pid\nlistener 1883\n");
	ct_run(&t, "services.mqtt-anonymous");
	const fg_finding *f = ct_at(&t, "services.mqtt-anonymous", "/etc/mosquitto/mosquitto.conf", 2);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_MEDIUM);
	ct_free(&t);
	t = ct_new();
	ct_file(&t, "etc/mosquitto/mosquitto.conf", "listener 8883\npassword_file /etc/mosquitto/passwd\n");
	ct_file(&t, "etc/mosquitto/conf.d/x.conf", "allow_anonymous false\n");
	ct_run(&t, "services.mqtt-anonymous");
	CHECK_INT_EQ(ct_count(&t, NULL), 0);
	ct_free(&t);
}

TEST(adb_and_gdbserver)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/init.d/rcS", rcS);
	ct_file(&t, "etc/init.d/S99debug", "#!/bin/sh\n/usr/bin/gdbserver --multi :1234 &\nadbd &\n");
	ct_file(&t, "init.rc", "on boot\n    setprop service.adb.tcp.port 5555\n\nservice adbd /sbin/adbd\n    class core\n\n"
		"service gdbserver /system/bin/gdbserver :5039\n    class main\n    disabled\n");
	ct_run(&t, "services.adb-gdbserver");
	const fg_finding *f = ct_at(&t, "services.adb-gdbserver", "/etc/init.d/S99debug", 2);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_CRITICAL);
	CHECK(ct_at(&t, "services.adb-gdbserver", "/etc/init.d/S99debug", 3) != NULL);
	CHECK(ct_at(&t, "services.adb-gdbserver", "/init.rc", 2) != NULL);
	CHECK(ct_at(&t, "services.adb-gdbserver", "/init.rc", 4) != NULL);
	CHECK(ct_at(&t, "services.adb-gdbserver", "/init.rc", 7) == NULL);
	CHECK_INT_EQ(ct_count(&t, NULL), 4);
	ct_free(&t);
}

/* ---- TLS / SSH ----------------------------------------------------------------------- */

TEST(tls_and_ssh_settings)
{
	ct_tree t = ct_new();
	ct_file(&t, "etc/lighttpd/lighttpd.conf",
		"ssl.engine = \"enable\"\nssl.use-sslv3 = \"enable\"\n"
		"ssl.cipher-list = \"HIGH:!aNULL:!MD5:RC4-SHA\"\nssl.openssl.ssl-conf-cmd = (\"MinProtocol\" => \"TLSv1.2\")\n");
	ct_file(&t, "etc/lighttpd/conf-available/10-ssl.conf", "ssl.use-sslv3 = \"enable\"\n");
	ct_file(&t, "etc/nginx/nginx.conf", "http {\n  ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n  ssl_ciphers HIGH:!aNULL;\n}\n");
	ct_file(&t, "etc/ssh/sshd_config", "PermitRootLogin yes\nPermitEmptyPasswords yes\n#Protocol 1\nPasswordAuthentication no\n");
	ct_file(&t, "etc/init.d/rcS", rcS);
	ct_file(&t, "etc/init.d/S50dropbear", "#!/bin/sh\n/usr/sbin/dropbear -R -p 22\n");
	ct_file(&t, "etc/init.d/S51dropbear", "#!/bin/sh\n/usr/sbin/dropbear -s -g -p 2222\n");
	ct_file(&t, "etc/ssl/openssl.cnf", "[system_default_sect]\nMinProtocol = TLSv1.2\nCipherString = DEFAULT@SECLEVEL=2\n");
	ct_run(&t, "tls.weak-config");
	const fg_finding *f = ct_at(&t, "tls.weak-config", "/etc/lighttpd/lighttpd.conf", 2);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(ct_at(&t, "tls.weak-config", "/etc/lighttpd/lighttpd.conf", 3) != NULL);
	CHECK(ct_at(&t, "tls.weak-config", "/etc/lighttpd/lighttpd.conf", 4) == NULL);
	CHECK(ct_at(&t, "tls.weak-config", "/etc/lighttpd/conf-available/10-ssl.conf", -1) == NULL);
	CHECK(ct_at(&t, "tls.weak-config", "/etc/nginx/nginx.conf", 2) != NULL);
	CHECK(ct_at(&t, "tls.weak-config", "/etc/nginx/nginx.conf", 3) == NULL);
	CHECK(ct_at(&t, "tls.weak-config", "/etc/ssh/sshd_config", 1) != NULL);
	f = ct_at(&t, "tls.weak-config", "/etc/ssh/sshd_config", 2);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_HIGH);
	CHECK(ct_at(&t, "tls.weak-config", "/etc/init.d/S50dropbear", 2) != NULL);
	CHECK(ct_at(&t, "tls.weak-config", "/etc/init.d/S51dropbear", -1) == NULL);
	CHECK_INT_EQ(ct_count(&t, NULL), 6);
	ct_free(&t);
}

TEST(services_survive_hostile_configs)
{
	ct_tree t = ct_new();
	size_t glen = 128 * 1024;
	char *g = malloc(glen);
	uint32_t x = 11;
	static const char alphabet[] = "ab =:'\"\n\t{}#-/community public com2sec option config nc -e ";
	for (size_t i = 0; i < glen; i++) {
		x = x * 1103515245u + 12345u;
		g[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
	}
	static const char *const paths[] = {
		"etc/inittab", "etc/inetd.conf", "etc/xinetd.d/x", "etc/snmp/snmpd.conf", "etc/config/upnpd",
		"etc/config/snmpd", "etc/miniupnpd.conf", "etc/mosquitto/mosquitto.conf", "init.rc",
		"etc/rc.local", "etc/lighttpd/lighttpd.conf", "etc/ssh/sshd_config", "etc/vsftpd.conf",
		"etc/config/dropbear", "etc/config/shellback",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		ct_bytes(&t, paths[i], g, glen);
	static const char *const ids[] = {
		"services.ftp", "services.snmp", "services.upnp", "services.backdoor",
		"services.mqtt-anonymous", "services.adb-gdbserver", "services.root-daemons",
		"tls.weak-config", "services.telnet",
	};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		ct_run(&t, ids[i]);
	CHECK(1); /* no crash, no sanitizer report */
	ct_free(&t);
	free(g);
}

TEST(root_daemons)
{
	static const char elf[] = "\x7f" "ELF\x01\x01\x01\0\0\0\0\0\0\0\0\0 daemon";
	ct_tree t = ct_new();
	ct_file(&t, "etc/init.d/rcS", rcS);
	ct_bytes(&t, "usr/sbin/dnsmasq", elf, sizeof(elf) - 1);
	ct_bytes(&t, "usr/sbin/mydaemon", elf, sizeof(elf) - 1);
	ct_bytes(&t, "sbin/ifconfig", elf, sizeof(elf) - 1);
	ct_file(&t, "etc/init.d/S20dnsmasq", "#!/bin/sh\n/usr/sbin/dnsmasq -C /etc/dnsmasq.conf\n");
	ct_file(&t, "etc/init.d/S30mine", "#!/bin/sh\n/usr/sbin/mydaemon -u nobody &\nifconfig lo up\n");
	ct_run(&t, "services.root-daemons");
	const fg_finding *f = ct_at(&t, "services.root-daemons", "/usr/sbin/dnsmasq", -1);
	REQUIRE(f);
	CHECK_INT_EQ(f->severity, FG_SEV_INFO);
	CHECK(strstr(f->message, "S20dnsmasq") != NULL);
	CHECK(ct_at(&t, "services.root-daemons", "/usr/sbin/mydaemon", -1) == NULL);
	CHECK(ct_at(&t, "services.root-daemons", "/sbin/ifconfig", -1) == NULL);
	CHECK_INT_EQ(ct_count(&t, NULL), 1);
	ct_free(&t);
}
