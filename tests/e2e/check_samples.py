#!/usr/bin/env python3
"""End-to-end: firmgate on the real firmware samples' root filesystems.

IoTGoat (OWASP's deliberately vulnerable OpenWrt) and the Digoo BB-M1
camera carry documented credentials, a telnet server, insecure defaults
(UPnP, open Wi-Fi, serial console without login, a backdoor started at
boot, a U-Boot environment that flashes over TFTP); each must be reported
where the documentation says.
"""
import argparse
import json
import os
import subprocess
import sys

passed = 0
failed = 0


def ok(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + msg)


def scan(firmgate, target):
    proc = subprocess.run([firmgate, "scan", target, "--format", "json", "--fail-on", "none"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if proc.returncode != 0:
        print(proc.stderr.decode())
    ok(proc.returncode == 0, "%s: exit %d" % (target, proc.returncode))
    return json.loads(proc.stdout) if proc.returncode == 0 else {"findings": []}


def has(report, check, path, line, text=None):
    for f in report["findings"]:
        if f["check_id"] == check and f["path"] == path and f["line"] == line:
            if text is None or text in f["message"]:
                return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--shared", required=True)
    args = ap.parse_args()
    samples = os.path.join(args.shared, "samples")
    if not os.path.isdir(samples):
        print("samples not found; skipping")
        return 77

    goat = scan(args.firmgate, os.path.join(samples, "iotgoat", "rootfs"))
    # iotgoatuser / 7ujMko0vizxv, a Mirai-list password (SOURCES.md).
    ok(has(goat, "credentials.default-password", "/etc/shadow", 8, "iotgoatuser"),
       "IoTGoat: iotgoatuser default password not reported at /etc/shadow:8")
    ok(has(goat, "services.telnet", "/etc/rc.local", 5), "IoTGoat: telnetd in rc.local:5 not reported")
    # Secrets are never printed in full.
    ok("7ujMko0vizxv" not in json.dumps(goat), "IoTGoat: the cracked password appears in the report")
    # Insecure defaults documented in SOURCES.md / challenges.md.
    ok(has(goat, "services.upnp", "/etc/config/upnpd", 5, "secure_mode 0"),
       "IoTGoat: miniupnpd secure_mode 0 not reported at /etc/config/upnpd:5")
    ok(has(goat, "credentials.wifi-passphrase", "/etc/config/wireless", 10, "open access point"),
       "IoTGoat: open Wi-Fi (encryption 'none') not reported at /etc/config/wireless:10")
    ok(has(goat, "debug.serial-shell", "/etc/config/system", 4, "ttylogin"),
       "IoTGoat: ttylogin '0' not reported at /etc/config/system:4")
    ok(has(goat, "fs.hygiene", "/etc/shadow.bak", None, "password hashes"),
       "IoTGoat: /etc/shadow.bak not reported")
    ok(has(goat, "credentials.duplicate-account", "/etc/shadow", 7, "dnsmasq"),
       "IoTGoat: duplicate dnsmasq entry not reported at /etc/shadow:7")
    # The shellback bind shell: started from rc.local and by its init script.
    ok(has(goat, "services.backdoor", "/etc/rc.local", 4, "shellback"),
       "IoTGoat: /usr/bin/shellback in rc.local:4 not reported")
    ok(has(goat, "services.backdoor", "/etc/init.d/shellback", 23, "/etc/config/shellback"),
       "IoTGoat: /etc/init.d/shellback (enabled in /etc/config/shellback) not reported")

    digoo = scan(args.firmgate, os.path.join(samples, "digoo-bb-m1", "cramfs-root"))
    # root / xmhdipc, hash stored in /etc/passwd (no shadow file).
    ok(has(digoo, "credentials.default-password", "/etc/passwd", 1, "root"),
       "Digoo: root/xmhdipc not reported at /etc/passwd:1")
    # rcS has telnetd commented out.
    ok(not any(f["check_id"] == "services.telnet" for f in digoo["findings"]),
       "Digoo: commented-out telnetd reported")
    # getty -n root: the serial console logs root in without a password.
    ok(has(digoo, "debug.serial-shell", "/etc/inittab", 4, "root"),
       "Digoo: serial auto-login as root not reported at /etc/inittab:4")

    digoo0 = scan(args.firmgate, os.path.join(samples, "digoo-bb-m1", "cramfs-root-0"))
    ok(has(digoo0, "credentials.wifi-passphrase", "/sbin/rtl_hostapd.conf", 11, "IPC_NUM"),
       "Digoo: wpa_passphrase not reported at /sbin/rtl_hostapd.conf:11")
    ok("1234567890" not in json.dumps(digoo0), "Digoo: the Wi-Fi passphrase appears in the report")

    # The README's "U-Boot> env print" dump is recognised as an environment.
    top = scan(args.firmgate, os.path.join(samples, "digoo-bb-m1"))
    ok(has(top, "debug.uboot-env", "/README.md", 10, "verify=n"),
       "Digoo: TFTP flashing with verify=n not reported at /README.md:10")
    ok(has(top, "debug.uboot-env", "/README.md", 8, "bootdelay=1"),
       "Digoo: bootdelay=1 without a stop key not reported at /README.md:8")

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
