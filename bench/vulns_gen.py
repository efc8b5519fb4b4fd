#!/usr/bin/env python3
"""Generates a full-NVD-size vulnerability data set for bench/vulns.sh.

Re-keys the real NVD records of vulndata/nvd/ (CVE-2017-14491 ->
CVE-9xxx-nnnnnn, same configurations), varying products and versions a
little: copy k of a record names its products PRODUCT_vK (k = 1..199; k = 0
keeps the real name, so real products get ~20 copies of each record; in
records without CPE data the product's name in the description becomes
NAMEvK), and shifts the last number of its range bounds by -1, 0 or +1. Writes NVD 2.0
yearly feed files (gzip) and a batch file of components for matching.

    vulns_gen.py VULNDATA_NVD_DIR OUT_DIR [RECORDS] [COMPONENTS]
"""
import gzip
import json
import os
import random
import re
import sys

src, out = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 250000
ncomp = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
variants = 200
years = 25
os.makedirs(out, exist_ok=True)

base = [json.load(open(os.path.join(src, f))) for f in sorted(os.listdir(src)) if f.endswith(".json")]


def shift(v, d):
    m = re.search(r"(\d+)(\D*)$", v)
    if not m or d == 0:
        return v
    x = max(0, int(m.group(1)) + d)
    return v[:m.start(1)] + str(x) + m.group(2)


def products(rec):
    ps = set()
    for c in rec.get("configurations", []):
        for nd in c["nodes"]:
            for m in nd["cpeMatch"]:
                f = m["criteria"].split(":")
                ps.add((f[3], f[4]))
    return sorted(ps)


# product names as descriptions write them (records without CPE data)
NAMES = re.compile(r"\b(OpenSSL|wpa_supplicant|hostapd|dnsmasq|BusyBox|Dropbear|uClibc|lighttpd|curl|Linux kernel)\b",
                   re.IGNORECASE)

# per record, three serialized templates (bounds shifted by -1, 0, +1)
templates = []
for rec in base:
    ts = []
    for d in (-1, 0, 1):
        r = json.loads(json.dumps(rec))
        for c in r.get("configurations", []):
            for nd in c["nodes"]:
                for m in nd["cpeMatch"]:
                    for k in ("versionStartIncluding", "versionStartExcluding", "versionEndIncluding",
                              "versionEndExcluding"):
                        if k in m:
                            m[k] = shift(m[k], d)
        r["lastModified"] = "2026-11-01T00:00:00.000"
        if not products(rec):
            for dsc in r.get("descriptions", []):
                dsc["value"] = NAMES.sub(lambda mm: mm.group(0) + "@@K@@", dsc["value"])
        ts.append(json.dumps({"cve": r}, separators=(",", ":")))
    templates.append((rec["id"], products(rec), ts))

files = [gzip.open(os.path.join(out, "nvdcve-2.0-%d.json.gz" % (9000 + y)), "wt", compresslevel=1)
         for y in range(years)]
first = [True] * years
for f in files:
    f.write('{"format":"NVD_CVE","version":"2.0","timestamp":"2026-11-01T00:00:00.000","vulnerabilities":[')
size = 0
for i in range(n):
    rid, prods, ts = templates[i % len(templates)]
    copy = i // len(templates)
    k = copy % variants
    text = ts[copy % 3]
    y = i % years
    text = text.replace('"id":"%s"' % rid, '"id":"CVE-%d-%06d"' % (9000 + y, i), 1)
    if k:
        for vendor, product in prods:
            text = text.replace(":%s:%s:" % (vendor, product), ":%s:%s_v%d:" % (vendor, product, k))
    # records without CPE data name their product only in the text
    text = text.replace("@@K@@", "v%d" % k if k else "")
    files[y].write(("" if first[y] else ",") + text)
    first[y] = False
    size += len(text)
for f in files:
    f.write("]}")
    f.close()

# components: real names (alias table) and CPEs of product variants
random.seed(1)
real = [("dnsmasq", "2.73"), ("dropbear", "2017.75"), ("busybox", "1.28.4"), ("openssl", "1.0.2q"),
        ("hostapd", "2.6"), ("wpa_supplicant", "2.6"), ("linux", "5.10.50"), ("uclibc-ng", "1.0.30"),
        ("miniupnpd", "2.1"), ("samba", "4.5.9"), ("libupnp", "1.6.19"), ("curl", "7.88.1"),
        ("lighttpd", "1.4.59")]
allprods = sorted({p for _, ps, _ in templates for p in ps})
with open(os.path.join(out, "components.txt"), "w") as f:
    for j in range(ncomp):
        if j % 2 == 0:
            name, ver = real[j // 2 % len(real)]
            f.write("%s %s\n" % (name, ver))
        else:
            vendor, product = random.choice(allprods)
            k = random.randrange(1, variants)
            ver = random.choice(["1.0", "2.1", "2.73", "1.28.4", "2017.75", "5.10.50", "0.9.33.2", "3.0.5"])
            f.write("%s_v%d %s cpe:2.3:a:%s:%s_v%d:%s:*:*:*:*:*:*:*\n" % (product, k, ver, vendor, product, k, ver))
print("%d records, %.0f MB of JSON in %d feed files; %d components" % (n, size / 1e6, years, ncomp))
