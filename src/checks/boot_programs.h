/*
 * boot_programs.h - which programs of a file tree are started at boot.
 *
 * The hardening checks rate a missing mitigation higher in a program
 * that runs from boot and serves the network (a DHCP client, a web
 * server, anything inetd starts) than in a tool nobody runs. This helper
 * answers "is this ELF file started at boot, and by what?" with a simple,
 * documented heuristic -- not a shell interpreter:
 *
 *   inittab    /etc/inittab "id:runlevels:action:process" (action not
 *              "off"): the program of the process field.
 *   inetd      /etc/inetd.conf, /etc/inetd.d/ *: the server program of
 *              each entry (through tcpd, its first argument).
 *   xinetd     /etc/xinetd.conf, /etc/xinetd.d/ *: "server =" of blocks
 *              without "disable = yes".
 *   systemd    ExecStart= of .service units linked from a *.wants
 *              directory under /etc/systemd/system, /lib/systemd/system
 *              or /usr/lib/systemd/system.
 *   scripts    boot scripts (/etc/init.d/rcS, /etc/rcS, /etc/rc.local,
 *              /etc/rc.d/rc.local, /etc/rc.d/rcS, /etc/rc.sysinit,
 *              /etc/init.d/S??*, S* entries of /etc/rc.d and of
 *              /etc/rc{S,1-5}.d and /etc/rc.d/rc{S,1-5}.d, scripts that
 *              inittab runs) and the scripts they call by absolute path.
 *              In a script, a word counts when it is an absolute path to
 *              an ELF file anywhere on a command line (this covers
 *              "start-stop-daemon --exec /usr/sbin/x" and OpenWrt's
 *              "procd_set_param command /usr/sbin/x"), or a bare name in
 *              command position that resolves through /sbin, /usr/sbin,
 *              /bin and /usr/bin. Comments are skipped; quotes are
 *              dropped; variables are not expanded.
 *
 * Programs that run and exit at boot (mount, ifconfig, iptables, sh, ...)
 * are left out by name, and a busybox applet counts only when it is a
 * network service or client (telnetd, httpd, udhcpc, ntpd, ...). What is
 * left is "network-facing" for the hardening severity rules: close enough
 * on embedded systems, where nearly every daemon started at boot talks to
 * the network, and documented as a heuristic in docs/CHECKS.md.
 */
#ifndef FG_BOOT_PROGRAMS_H
#define FG_BOOT_PROGRAMS_H

#include "core/arena.h"
#include "core/tree.h"
#include "core/vec.h"

typedef struct fg_boot_prog {
	const fg_node *node;    /* content node of the program (after links) */
	const char *how;        /* e.g. "/etc/init.d/S20dnsmasq line 4" */
} fg_boot_prog;

typedef struct fg_boot_programs {
	fg_arena arena;
	FG_VEC(fg_boot_prog) v;
} fg_boot_programs;

/* Scans the file tree ROOT; NULL only when out of memory. */
fg_boot_programs *fg_boot_programs_scan(fg_node *root);

/* The entry for the file NODE (a content node), or NULL. */
const fg_boot_prog *fg_boot_programs_find(const fg_boot_programs *b, const fg_node *node);

void fg_boot_programs_free(fg_boot_programs *b);

#endif
