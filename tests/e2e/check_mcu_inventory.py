#!/usr/bin/env python3
"""End-to-end: ESP firmware names the SDK it was built with.

`firmgate scan --format json` on the Espressif samples (SOURCES.md
sections 6 and 7) must report ESP-IDF with the release of the app or
bootloader descriptor's idf_ver, and the ESP8266 NONOS SDK with the
version its banner prints, each once, with evidence from the image
header (method `image-header`) and a CPE. A bootloader without a
descriptor names no ESP-IDF release: nothing is guessed.
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
    return cond


def scan(firmgate, path):
    proc = subprocess.run([firmgate, "scan", path, "--format", "json", "--fail-on", "none"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if proc.returncode != 0:
        return None, proc.stderr.decode(errors="replace")[:300]
    return json.loads(proc.stdout), None


# sample, component, version, evidence substring, properties
CASES = [
    ("esptool/esp_idf_blink_esp32s2.bin", "esp-idf", "5.0",
     'idf_ver "v5.0-beta1-427-g4532e6e0b2-dirt"',
     {"esp:chip": "ESP32-S2", "esp:project": "blink",
      "esp:app-version": "qa-test-v5.0-20220830-4-g4532e6"}),
    ("esptool/bootloader_esp32_v5_2.bin", "esp-idf", "5.2",
     'esp_bootloader_desc_t idf_ver "v5.2-dev-254-g1950b15"', {"esp:chip": "ESP32"}),
    ("esp8266-nonos-sdk/bin/at/1024+1024/user1.2048.new.5.bin", "esp8266-nonos-sdk", "3.0.6-dev",
     "3.0.6-dev(072755c)", {"esp8266-sdk:build": "3.0.6-dev(072755c)",
                            "esp8266-sdk:compiled": "Apr 6 2023 03:06:03"}),
    ("esptool/nodemcu-master-7-modules-2017-01-19-11-10-03-integer.bin", "esp8266-nonos-sdk",
     "1.5.4.1", "1.5.4.1(39cb9a32)", {"esp8266-sdk:compiled": "Jul 1 2016 20:04:35"}),
    ("esptool/esp8266_sdk/4096_user1.bin", "esp8266-nonos-sdk", "1.3.0", "compiled @ Aug 7 2015",
     {}),
    ("esptool/esp8266_deepsleep.bin", "esp8266-nonos-sdk", "3.0.0-dev", "3.0.0-dev(c0f7b44)",
     {"esp8266-sdk:compiled": "Jun 26 2018 16:54:37"}),
]

# no descriptor: "no application info" (esptool's image_info test)
NOTHING = ["esptool/bootloader_esp32.bin", "esptool/bootloader_esp8266.bin",
           "esp8266-nonos-sdk/bin/boot_v1.7.bin"]


def props_of(c):
    return {p["name"]: p["value"] for p in c.get("properties", [])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--shared", required=True)
    args = ap.parse_args()
    samples = os.path.join(args.shared, "samples")
    if not os.path.isdir(os.path.join(samples, "esptool")):
        print("ESP samples not found; skipping")
        return 77
    for rel, name, version, evidence, props in CASES:
        rep, err = scan(args.firmgate, os.path.join(samples, rel))
        if not ok(rep is not None, "%s: scan failed: %s" % (rel, err)):
            continue
        comps = [c for c in rep["components"] if c["name"] == name]
        ok([c["version"] for c in comps] == [version],
           "%s: %s versions %s, want [%s]" % (rel, name, [c["version"] for c in comps], version))
        for c in comps[:1]:
            ok(c["evidence"]["method"] == "image-header",
               "%s: evidence method %s" % (rel, c["evidence"]["method"]))
            ok(evidence in c["evidence"]["text"],
               "%s: evidence %r lacks %r" % (rel, c["evidence"]["text"], evidence))
            ok(c["confidence"] == "high", "%s: confidence %s" % (rel, c["confidence"]))
            ok((c.get("cpe") or "").startswith("cpe:2.3:a:espressif:") and version in c["cpe"],
               "%s: cpe %s" % (rel, c.get("cpe")))
            have = props_of(c)
            for k, v in props.items():
                ok(have.get(k) == v, "%s: property %s = %r, want %r" % (rel, k, have.get(k), v))
        # the other SDK is not invented
        other = "esp8266-nonos-sdk" if name == "esp-idf" else "esp-idf"
        ok(not [c for c in rep["components"] if c["name"] == other],
           "%s: unexpected %s" % (rel, other))
    for rel in NOTHING:
        rep, err = scan(args.firmgate, os.path.join(samples, rel))
        if not ok(rep is not None, "%s: scan failed: %s" % (rel, err)):
            continue
        bad = [(c["name"], c["version"]) for c in rep["components"]
               if c["name"] in ("esp-idf", "esp8266-nonos-sdk")]
        ok(not bad, "%s: no SDK should be named, got %s" % (rel, bad))
    print("mcu inventory: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
