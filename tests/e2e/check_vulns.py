#!/usr/bin/env python3
"""End-to-end: the vulnerability database and matching.

Imports the real NVD records and the CISA KEV catalog from the shared test
data (vulndata/) into a temporary database and checks:
  - the expected-match table of vulndata/README.md, exactly, through
    `firmgate db match` (every CVE that must match does, none that must not);
  - KEV flags, records without CPE data reported as "no applicability data";
  - idempotent imports, an import killed midway leaving the database intact,
    hostile files rejected with the database unchanged;
  - `firmgate db update` against a local HTTP server on 127.0.0.1 (feeds,
    .meta checksums, resumed and restarted downloads, unchanged feeds skipped,
    a bad checksum refused, plain http refused for other hosts);
  - libcurl not linked (loaded by `db update` only); without it, a clear
    error from `db update` while `db import` still works;
  - scans: vulnerabilities in the JSON report, diagnostics for a missing, empty
    or stale database, VEX input, OpenVEX output, the text summary.
"""
import argparse
import gzip
import hashlib
import http.server
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading

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


def run(args, env=None, timeout=300):
    e = dict(os.environ)
    e.pop("FG_VULNDB_ABORT_AFTER", None)
    if env:
        e.update(env)
    return subprocess.run([FG] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e,
                          timeout=timeout)


def match(db, name, version, cpe=None, extra=()):
    args = ["db", "match", "--vulndb", db] + list(extra) + [name, version] + ([cpe] if cpe else [])
    p = run(args)
    if not ok(p.returncode == 0, "db match %s %s: exit %d %s" % (name, version, p.returncode, p.stderr.decode())):
        return {"matches": [], "no_applicability_data": []}
    return json.loads(p.stdout)["components"][0]


def dump(db):
    """Every data table, sorted; the source bookkeeping without import times."""
    con = sqlite3.connect(db)
    out = {}
    for t in ("cve", "cve_text", "cpe_match", "kev", "epss", "osv", "osv_affected"):
        rows = con.execute("SELECT * FROM %s" % t).fetchall()
        out[t] = sorted(rows, key=repr)
    out["source"] = sorted(con.execute("SELECT name, data_date, records, detail FROM source").fetchall())
    out["nocfg"] = sorted(con.execute("SELECT rowid, description FROM nocfg").fetchall())
    con.close()
    return out


def integrity(db):
    con = sqlite3.connect(db)
    r = con.execute("PRAGMA integrity_check").fetchone()[0]
    con.close()
    return r


# ---- the expected-match table ---------------------------------------------

def expected_table(readme):
    """Rows of 'Joins with the sample set': (name, version, must, must_not)."""
    text = open(readme, encoding="utf-8").read()
    sec = text.split("## Joins with the sample set", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in sec.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("samples/"):
            continue
        words = cells[1].split()
        name, version = words[0], words[1]
        ids = lambda c: set(re.findall(r"CVE-\d{4}-\d+", c))
        rows.append((cells[0], name, version, ids(cells[2]), ids(cells[3])))
    return rows


def check_expected(db, readme):
    rows = expected_table(readme)
    ok(len(rows) == 8, "the README's expected-match table has 8 rows (found %d)" % len(rows))
    for sample, name, version, must, must_not in rows:
        c = match(db, name, version)
        got = {m["id"] for m in c["matches"]}
        ok(got == must, "%s %s (%s): matches %s, expected exactly %s (missing %s, extra %s)" % (
            name, version, sample, sorted(got), sorted(must), sorted(must - got), sorted(got - must)))
        ok(not (got & must_not), "%s %s: must not match %s" % (name, version, sorted(got & must_not)))
        for m in c["matches"]:
            ok(m["status"] == "affected" and m["confidence"] == "medium" and m["rule"] and m["criteria"],
               "%s %s %s: alias-mapped match is affected, medium, with rule and criteria" % (name, version, m["id"]))
            ok(m["cvss"] is not None and m["severity"] in ("critical", "high", "medium", "low"),
               "%s %s: score and severity" % (name, m["id"]))
        print("  %-16s %-12s %2d match(es) as expected" % (name, version, len(got)))

    # the same with the component's own CPE: confidence high
    c = match(db, "dnsmasq", "2.73", "cpe:2.3:a:thekelleys:dnsmasq:2.73:*:*:*:*:*:*:*")
    ok(len(c["matches"]) == 5 and all(m["confidence"] == "high" for m in c["matches"]),
       "dnsmasq 2.73 with its CPE: 5 matches, confidence high")
    # neighbours of the range bounds
    for name, version, cve, want in (
            ("dnsmasq", "2.77", "CVE-2017-14491", True), ("dnsmasq", "2.78", "CVE-2017-14491", False),
            ("dnsmasq", "2.86", "CVE-2021-45951", True), ("dnsmasq", "2.85", "CVE-2021-45951", False),
            ("dropbear", "2016.73", "CVE-2016-7406", True), ("dropbear", "2016.74", "CVE-2016-7406", False),
            ("openssl", "1.0.2zg", "CVE-2023-0464", True), ("openssl", "1.0.2zh", "CVE-2023-0464", False),
            ("openssl", "3.0.6", "CVE-2022-3602", True), ("openssl", "3.0.7", "CVE-2022-3602", False),
            ("busybox", "1.33.1", "CVE-2021-42373", True), ("busybox", "1.33.2", "CVE-2021-42373", False),
            ("linux", "6.2-rc3", "CVE-2023-0386", True), ("linux", "6.2", "CVE-2023-0386", False),
            ("linux", "5.15.24", "CVE-2022-0847", True), ("linux", "5.15.25", "CVE-2022-0847", False),
            ("uClibc-ng", "1.0.40", "CVE-2022-29503", True), ("uClibc-ng", "1.0.39", "CVE-2022-29503", False),
            ("miniupnpd", "2.1", "CVE-2019-12107", True), ("miniupnpd", "2.1", "CVE-2019-12108", True),
            ("curl", "8.3.0", "CVE-2023-38545", True), ("curl", "7.68.0", "CVE-2023-38545", False)):
        got = {m["id"] for m in match(db, name, version)["matches"]}
        ok((cve in got) == want, "%s %s %s %s" % (name, version, "matches" if want else "does not match", cve))


def check_kev_and_nodata(db, db_nvd_only):
    for name, version, cve, added in (("linux", "5.10.50", "CVE-2022-0847", "2022-04-25"),
                                      ("linux", "6.2-rc3", "CVE-2023-0386", "2025-06-17"),
                                      ("samba", "4.5.9", "CVE-2017-7494", "2023-03-30")):
        for d in (db, db_nvd_only):
            m = [x for x in match(d, name, version)["matches"] if x["id"] == cve]
            ok(m and m[0]["kev"] and (m[0]["kev_date_added"] or "").startswith(added),
               "%s flagged as KEV (added %s) in %s" % (cve, added, os.path.basename(d)))
    m = match(db, "dnsmasq", "2.73")["matches"]
    ok(m and not any(x["kev"] for x in m), "dnsmasq CVEs are not in KEV")
    # records without configurations: reported, never matched
    for name, version, cve in (("openssl", "1.0.2q", "CVE-2024-5535"),
                               ("wpa_supplicant", "v2.1-devel", "CVE-2023-52160")):
        c = match(db, name, version)
        nd = {x["id"] for x in c["no_applicability_data"]}
        ok(cve in nd, "%s %s: %s listed as no applicability data" % (name, version, cve))
        ok(cve not in {x["id"] for x in c["matches"]}, "%s %s: %s not matched" % (name, version, cve))
    c = match(db, "hostapd", "2.1-devel")
    ok(not c["no_applicability_data"], "hostapd: CVE-2023-52160 (wpa_supplicant only) not listed")
    # busybox applets, kernel config
    c = match(db, "busybox", "1.28.4", extra=["--applets", "ash,sh,wget,ls"])
    st = {x["id"]: x for x in c["matches"]}
    ok(len(st) == 13, "busybox with an applet list: still 13 records shown")
    ok(st["CVE-2021-42378"]["status"] == "not_affected" and
       st["CVE-2021-42378"]["justification"] == "vulnerable_code_not_present" and
       "awk" in st["CVE-2021-42378"]["status_detail"], "awk CVE not_affected without awk")
    ok(st["CVE-2018-1000517"]["status"] == "affected" and "wget" in st["CVE-2018-1000517"]["evidence"],
       "wget CVE affected with wget")
    c = match(db, "busybox", "1.28.4")
    ok(all(x["status"] == "affected" and "not known" in (x["evidence"] or "") for x in c["matches"]
           if x["id"] != "CVE-2017-14491"), "busybox without applets: not filtered, and said so")
    kc = os.path.join(TMP, "kconfig")
    open(kc, "w").write("CONFIG_PIPE=y\n# CONFIG_OVERLAY_FS is not set\n")
    c = match(db, "linux", "6.1.1", extra=["--kernel-config", kc])
    x = [m for m in c["matches"] if m["id"] == "CVE-2023-0386"]
    ok(x and x[0]["status"] == "not_affected" and "CONFIG_OVERLAY_FS" in x[0]["status_detail"],
       "CVE-2023-0386 not_affected without CONFIG_OVERLAY_FS")
    # batch
    batch = os.path.join(TMP, "batch.txt")
    open(batch, "w").write("dnsmasq 2.73\ndropbear 2017.75\nbusybox 1.28.4\nopenssl 1.0.2q\nunknown-thing 1.0\n")
    p = run(["db", "match", "--vulndb", db, "--batch", batch])
    d = json.loads(p.stdout) if p.returncode == 0 else {"stats": {}}
    ok(d["stats"].get("matches") == 5 + 3 + 13 + 1 and d["stats"].get("unmapped") == 1,
       "batch: the IoTGoat components get 22 matches, one unmapped (%s)" % d["stats"])


# ---- imports: idempotent, atomic, hostile -----------------------------------

def check_imports(db, nvd_files, kev):
    before = dump(db)
    p = run(["db", "import", "--vulndb", db] + nvd_files + [kev])
    ok(p.returncode == 0 and b"NVD 0 new, 0 updated, 61 unchanged" in p.stdout,
       "second import: nothing new (%s)" % p.stdout.decode().strip())
    ok(dump(db) == before, "second import changed nothing")

    # a newer copy of every record, in an NVD 2.0 feed file (gzip)
    recs = [json.load(open(f)) for f in nvd_files]
    for r in recs:
        r["lastModified"] = "2027-01-01T00:00:00.000"
        r["descriptions"][0]["value"] += " (updated)"
    feed = os.path.join(TMP, "newer.json.gz")
    with gzip.open(feed, "wt") as f:
        json.dump({"format": "NVD_CVE", "version": "2.0", "vulnerabilities": [{"cve": r} for r in recs]}, f)
    # killed midway: nothing of it lands
    p = run(["db", "import", "--vulndb", db, feed], env={"FG_VULNDB_ABORT_AFTER": "20"})
    ok(p.returncode == -9, "the abort hook kills the import (exit %d)" % p.returncode)
    st = run(["db", "status", "--vulndb", db, "--json"])
    ok(st.returncode == 0 and json.loads(st.stdout)["records"]["cve"] == 61, "database opens after the kill")
    ok(integrity(db) == "ok", "integrity_check ok after the kill")
    ok(dump(db) == before, "the killed import left the previous data intact")
    c = match(db, "dnsmasq", "2.73")
    ok(len(c["matches"]) == 5, "matching works after the kill")
    # and the real thing
    p = run(["db", "import", "--vulndb", db, feed])
    ok(p.returncode == 0 and b"NVD 0 new, 61 updated" in p.stdout, "newer records update (%s)" % p.stdout.decode().strip())
    con = sqlite3.connect(db)
    desc = con.execute("SELECT description FROM cve JOIN cve_text USING (rid) WHERE id='CVE-2017-14491'").fetchone()[0]
    ncpe = con.execute("SELECT count(*) FROM cpe_match").fetchone()[0]
    con.close()
    ok(desc.endswith("(updated)"), "updated description stored")
    ok(ncpe == len(before["cpe_match"]), "configurations replaced, not duplicated")
    after = dump(db)

    # hostile files: refused, database unchanged
    hostile = {
        "empty.json": b"",
        "garbage.json": b"\x00\x01\x02 not json at all",
        "truncated.json": b'{"vulnerabilities":[{"cve":{"id":"CVE-2020-1234","descriptions":[',
        "deep.json": b'{"vulnerabilities":[' + b"[" * 100000,
        "badutf8.json": b'{"id":"CVE-2020-1234","descriptions":[{"lang":"en","value":"\xc3\x28"}]}',
        "badid.json": b'{"vulnerabilities":[{"cve":{"id":"CVE-20x0-1","descriptions":[]}}]}',
        "unknown.json": b'{"hello":"world"}',
        "epss.csv": b"#model_version:v1\ncve,epss,percentile\nCVE-2020-0001,7,0.5\n",
        "longline.csv": b"cve,epss,percentile\n" + b"C" * 5000 + b"\n",
        "binary.gz": gzip.compress(os.urandom(4096)),
        "trunc.json.gz": gzip.compress(json.dumps({"vulnerabilities": [{"cve": recs[0]}]}).encode())[:300],
    }
    for name, data in hostile.items():
        path = os.path.join(TMP, name)
        open(path, "wb").write(data)
        p = run(["db", "import", "--vulndb", db, nvd_files[0], path])
        ok(p.returncode == 3 and b"nothing imported" in p.stderr,
           "hostile %s refused with exit 3 (got %d: %s)" % (name, p.returncode, p.stderr.decode()[-200:]))
    ok(dump(db) == after, "hostile files changed nothing")
    ok(integrity(db) == "ok", "integrity ok after hostile files")


# ---- update over HTTP ---------------------------------------------------------

class FeedServer:
    """Serves a directory on 127.0.0.1 with HTTP Range support; logs requests."""

    def __init__(self, directory):
        self.directory = directory
        self.log = []
        self.ignore_range = False
        srv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                name = os.path.basename(self.path.split("?")[0])
                path = os.path.join(srv.directory, name)
                rng = self.headers.get("Range")
                srv.log.append((name, rng))
                if not os.path.isfile(path):
                    self.send_error(404)
                    return
                data = open(path, "rb").read()
                if rng and rng.startswith("bytes=") and not srv.ignore_range:
                    start = int(rng[6:].split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", "bytes */%d" % len(data))
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    body = data[start:]
                    self.send_response(206)
                    self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
                else:
                    body = data
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return "http://127.0.0.1:%d/" % self.port

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def write_feed(directory, name, records, modified="2026-11-27T03:00:01-05:00"):
    body = json.dumps({"resultsPerPage": len(records), "startIndex": 0, "totalResults": len(records),
                       "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-11-27T08:00:00.000",
                       "vulnerabilities": [{"cve": r} for r in records]}, indent=2).encode()
    gz = gzip.compress(body)
    open(os.path.join(directory, name + ".json.gz"), "wb").write(gz)
    meta = "lastModifiedDate:%s\r\nsize:%d\r\nzipSize:0\r\ngzSize:%d\r\nsha256:%s\r\n" % (
        modified, len(body), len(gz), hashlib.sha256(body).hexdigest().upper())
    open(os.path.join(directory, name + ".meta"), "w").write(meta)


def check_update(nvd_files, kev):
    serve = os.path.join(TMP, "feeds")
    os.makedirs(serve, exist_ok=True)
    by_year = {}
    for f in nvd_files:
        r = json.load(open(f))
        by_year.setdefault(int(r["id"].split("-")[1]), []).append(r)
    years = range(min(by_year), max(by_year) + 1)
    for y in years:
        write_feed(serve, "nvdcve-2.0-%d" % y, by_year.get(y, []))
    # the modified feed: one record changed since its yearly feed
    mod = json.load(open([f for f in nvd_files if f.endswith("CVE-2022-48174.json")][0]))
    mod["lastModified"] = "2026-11-27T01:00:00.000"
    mod["descriptions"][0]["value"] = "Changed in the modified feed."
    write_feed(serve, "nvdcve-2.0-modified", [mod])
    shutil.copy(kev, os.path.join(serve, "known_exploited_vulnerabilities.json"))
    rows = ["%s,%.5f,%.5f" % (json.load(open(f))["id"], 0.001 * (i + 1), 0.01 * (i + 1))
            for i, f in enumerate(sorted(nvd_files))]
    csv = "#model_version:v2025.03.14,score_date:2026-11-27T00:00:00+0000\ncve,epss,percentile\n" + "\n".join(rows) + "\n"
    open(os.path.join(serve, "epss_scores-current.csv.gz"), "wb").write(gzip.compress(csv.encode()))
    yr = "%d-%d" % (years[0], years[-1])

    srv = FeedServer(serve)
    try:
        db = os.path.join(TMP, "upd.sqlite")
        dl = os.path.join(TMP, "upd-dl")
        args = ["db", "update", "--vulndb", db, "--source", srv.url(), "--years", yr, "--download-dir", dl]
        p = run(args)
        ok(p.returncode == 0, "db update from 127.0.0.1 (exit %d: %s)" % (p.returncode, p.stderr.decode()[-400:]))
        st = json.loads(run(["db", "status", "--vulndb", db, "--json"]).stdout)
        ok(st["records"]["cve"] == 61 and st["records"]["kev"] == 1404 and st["records"]["epss"] == 61,
           "update imported 61 CVE, 1404 KEV, 61 EPSS (%s)" % st["records"])
        src = {s["name"]: s for s in st["sources"]}
        ok(set(src) == {"nvd", "kev", "epss"} and not st["stale"], "status lists the sources, data fresh")
        ok(src.get("nvd", {}).get("data_date", "").startswith("2026-11-27"), "NVD data date from the .meta file")
        ok(src.get("kev", {}).get("detail") == "catalogVersion 2025.08.25", "KEV catalog version recorded")
        con = sqlite3.connect(db)
        d = con.execute("SELECT description FROM cve JOIN cve_text USING (rid) WHERE id='CVE-2022-48174'").fetchone()[0]
        con.close()
        ok(d == "Changed in the modified feed.", "the modified feed wins by date")
        c = match(db, "dnsmasq", "2.73")
        ok(all(m["epss"] is not None for m in c["matches"]), "EPSS joined into matches")
        metas = [n for n, r in srv.log if n.endswith(".meta")]
        ok(len(metas) == len(years) + 1, "one .meta per NVD feed fetched")
        text = run(["db", "status", "--vulndb", db]).stdout.decode()
        ok("nvd" in text and "kev" in text and "epss" in text and "days" in text, "status text: sources and age")

        # again: NVD feeds unchanged (by .meta sha256) are not downloaded
        before = dump(db)
        srv.log.clear()
        p = run(args)
        gz = [n for n, r in srv.log if n.startswith("nvdcve") and n.endswith(".gz")]
        ok(p.returncode == 0 and not gz and b"unchanged" in p.stderr,
           "second update skips unchanged NVD feeds (%s)" % gz)
        ok(dump(db) == before, "second update changed nothing")

        # resume: a partial download continues with Range
        db2 = os.path.join(TMP, "upd2.sqlite")
        dl2 = os.path.join(TMP, "upd2-dl")
        os.makedirs(dl2, exist_ok=True)
        name = "nvdcve-2.0-2021.json.gz"
        full = open(os.path.join(serve, name), "rb").read()
        open(os.path.join(dl2, name + ".part"), "wb").write(full[:len(full) // 2])
        srv.log.clear()
        p = run(["db", "update", "--vulndb", db2, "--source", srv.url(), "--years", yr, "--download-dir", dl2])
        ranges = [r for n, r in srv.log if n == name]
        ok(p.returncode == 0 and ranges == ["bytes=%d-" % (len(full) // 2)],
           "partial download resumed with Range (%s)" % ranges)
        ok(dump(db2) == dump(db), "resumed update gives the same database")

        # a server that ignores Range: the download restarts
        db3 = os.path.join(TMP, "upd3.sqlite")
        dl3 = os.path.join(TMP, "upd3-dl")
        os.makedirs(dl3, exist_ok=True)
        open(os.path.join(dl3, name + ".part"), "wb").write(b"garbage" * 100)
        srv.ignore_range = True
        p = run(["db", "update", "--vulndb", db3, "--source", srv.url(), "--years", yr, "--download-dir", dl3])
        srv.ignore_range = False
        ok(p.returncode == 0 and dump(db3) == dump(db), "Range ignored by the server: restarted, same database")

        # a checksum that does not match: refused, nothing imported
        good_meta = open(os.path.join(serve, "nvdcve-2.0-2017.meta")).read()
        open(os.path.join(serve, "nvdcve-2.0-2017.meta"), "w").write(
            re.sub(r"sha256:\w+", "sha256:" + "0" * 64, good_meta))
        db4 = os.path.join(TMP, "upd4.sqlite")
        p = run(["db", "update", "--vulndb", db4, "--source", srv.url(), "--years", yr,
                 "--download-dir", os.path.join(TMP, "upd4-dl")])
        ok(p.returncode == 3 and b"checksum mismatch" in p.stderr, "bad .meta checksum refused")
        st4 = json.loads(run(["db", "status", "--vulndb", db4, "--json"]).stdout)
        ok(st4["records"]["cve"] == 0, "nothing imported after the checksum failure")
        open(os.path.join(serve, "nvdcve-2.0-2017.meta"), "w").write(good_meta)
        # a missing feed: refused, previous database unchanged
        os.rename(os.path.join(serve, "nvdcve-2.0-2018.json.gz"), os.path.join(serve, "x"))
        before = dump(db2)
        con = sqlite3.connect(db2)
        con.execute("DELETE FROM meta")  # forget the feed checksums: everything is fetched again
        con.commit()
        con.close()
        p = run(["db", "update", "--vulndb", db2, "--source", srv.url(), "--years", yr,
                 "--download-dir", os.path.join(TMP, "upd5-dl")])
        ok(p.returncode == 3 and b"404" in p.stderr, "a missing feed fails the update (%s)" % p.stderr.decode()[-200:])
        ok(dump(db2) == before, "failed update left the database unchanged")
        os.rename(os.path.join(serve, "x"), os.path.join(serve, "nvdcve-2.0-2018.json.gz"))
    finally:
        srv.stop()
    p = run(["db", "update", "--vulndb", os.path.join(TMP, "x.sqlite"), "--source", "http://example.invalid/"])
    ok(p.returncode == 3 and b"only https" in p.stderr, "plain http to a non-loopback host refused")
    p = run(["db", "update", "--vulndb", os.path.join(TMP, "x.sqlite"), "--source", "ftp://127.0.0.1/"])
    ok(p.returncode == 3, "non-http(s) source refused")


def check_without_libcurl(nvd_files):
    """libcurl is loaded only by `db update` (src/vulns/curl_dl.c): the
    binary does not link it, and a missing libcurl is a clear error."""
    if shutil.which("readelf"):
        d = subprocess.run(["readelf", "-d", FG], stdout=subprocess.PIPE).stdout.decode()
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", d)
        ok(needed and not [n for n in needed if n.startswith("libcurl")],
           "firmgate does not link libcurl (NEEDED: %s)" % needed)
    else:
        print("  (no readelf: the NEEDED check is skipped)")
    # FG_LIBCURL is the loader's test hook: what a machine without libcurl sees
    env = {"FG_LIBCURL": os.path.join(TMP, "nonexistent", "libcurl.so.4")}
    db = os.path.join(TMP, "nocurl.sqlite")
    dl = os.path.join(TMP, "nocurl-dl")
    p = run(["db", "update", "--vulndb", db, "--source", "http://127.0.0.1:9/", "--download-dir", dl], env=env)
    err = p.stderr.decode()
    ok(p.returncode == 3 and "firmgate db update: downloading needs libcurl (apt-get install libcurl4): " in err
       and env["FG_LIBCURL"] in err, "without libcurl, db update names the package (exit %d: %s)" % (
           p.returncode, err.strip()))
    ok(not os.path.exists(dl), "without libcurl, no download directory is created")
    p = run(["db", "import", "--vulndb", db] + nvd_files, env=env)
    ok(p.returncode == 0 and b"NVD 61 new" in p.stdout, "without libcurl, db import of local files works (%s)" %
       p.stderr.decode().strip())


# ---- scans ------------------------------------------------------------------

BUSYBOX_CVES = {"CVE-2018-1000517", "CVE-2021-42374", "CVE-2021-42376", "CVE-2021-42378", "CVE-2021-42379",
                "CVE-2021-42380", "CVE-2021-42381", "CVE-2021-42382", "CVE-2021-42384", "CVE-2021-42385",
                "CVE-2021-42386", "CVE-2022-28391", "CVE-2022-48174"}


def scan_json(rootfs, *args):
    p = run(["scan", rootfs, "-f", "json", "--fail-on", "none"] + list(args))
    ok(p.returncode == 0, "scan %s: exit %d %s" % (args, p.returncode, p.stderr.decode()[-300:]))
    return json.loads(p.stdout) if p.returncode == 0 else {"vulnerabilities": [], "diagnostics": []}


def vdiags(rep):
    return [d for d in rep["diagnostics"] if d["stage"] == "vulns"]


def check_sbom_vulnerabilities(rootfs, db):
    """The CycloneDX SBOM carries the matches, pointing at its components,
    and still validates against the official schema."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import check_sbom
    out = os.path.join(TMP, "sbom-out")
    shutil.rmtree(out, ignore_errors=True)
    p = run(["scan", rootfs, "-o", out, "-f", "cyclonedx", "--fail-on", "none", "--vulndb", db, "-q"])
    ok(p.returncode == 0, "scan -f cyclonedx with a database: exit %d" % p.returncode)
    path = os.path.join(out, "firmgate-sbom.cdx.json")
    doc = json.load(open(path)) if os.path.exists(path) else {}
    refs = {c.get("bom-ref") for c in doc.get("components", [])}
    vulns = {v.get("id"): v for v in doc.get("vulnerabilities", [])}
    ok(BUSYBOX_CVES <= set(vulns), "SBOM lists the BusyBox CVEs (%d)" % len(vulns))
    ok(all(a.get("ref") in refs for v in vulns.values() for a in v.get("affects", [])) and
       all(v.get("affects") for v in vulns.values()), "every SBOM vulnerability affects a listed component")
    schemas = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "schemas")
    validator = check_sbom.load_cdx_validator(schemas)
    errors = list(validator.iter_errors(doc))
    ok(doc and not errors, "SBOM with vulnerabilities validates: %s" % [e.message[:120] for e in errors[:3]])


def check_scan(db, kev):
    rootfs = os.path.join(TMP, "rootfs")
    os.makedirs(os.path.join(rootfs, "bin"), exist_ok=True)
    os.makedirs(os.path.join(rootfs, "etc"), exist_ok=True)
    open(os.path.join(rootfs, "bin", "busybox"), "wb").write(
        b"\x7fELF\0\0junk\0BusyBox v1.28.4 (2019-01-28 14:39:00 UTC) multi-call binary.\0")
    open(os.path.join(rootfs, "etc", "os-release"), "w").write('NAME="OpenWrt"\nVERSION_ID="18.06.2"\nID=openwrt\n')

    rep = scan_json(rootfs, "--vulndb", db, "--vulndb-max-age", "0")
    vs = {v["id"]: v for v in rep["vulnerabilities"] if v["component"] == "busybox"}
    ok(BUSYBOX_CVES <= set(vs), "scan: the BusyBox records matched (%d)" % len(vs))
    v = vs.get("CVE-2022-48174", {})
    for field in ("id", "component", "component_index", "cvss", "cvss_vector", "severity", "kev", "epss",
                  "epss_percentile", "rule", "confidence", "status", "justification", "criteria", "evidence"):
        ok(field in v, "scan: vulnerability field %s" % field)
    ok(v.get("cvss") == 9.8 and v.get("severity") == "critical" and v.get("kev") is False,
       "scan: CVE-2022-48174 scored 9.8 critical, not KEV")
    ok(rep["components"][v.get("component_index", 0)]["name"] == "busybox", "component_index points at busybox")
    ok("vulnerabilities_no_applicability_data" in rep, "scan: no-applicability-data section present")
    ok(not [d for d in vdiags(rep) if d["level"] != "info"], "fresh-enough database: no vulnerability warnings")
    check_sbom_vulnerabilities(rootfs, db)
    again = run(["scan", rootfs, "-f", "json", "--fail-on", "none", "--vulndb", db, "--vulndb-max-age", "0"]).stdout
    ok(again == run(["scan", rootfs, "-f", "json", "--fail-on", "none", "--vulndb", db,
                     "--vulndb-max-age", "0"]).stdout, "scan report deterministic")

    # stale, missing, empty
    rep = scan_json(rootfs, "--vulndb", db, "--vulndb-max-age", "1")
    ok(any(d["level"] == "warning" and "days old" in d["message"] for d in vdiags(rep)), "stale database warned")
    rep = scan_json(rootfs, "--vulndb", os.path.join(TMP, "none.sqlite"))
    ok(any(d["level"] == "warning" and "no vulnerability database" in d["message"] for d in vdiags(rep)),
       "missing database warned")
    ok(not rep["vulnerabilities"], "missing database: no matches")
    empty = os.path.join(TMP, "empty.sqlite")
    run(["db", "import", "--vulndb", empty, kev])
    rep = scan_json(rootfs, "--vulndb", empty)
    ok(any(d["level"] == "warning" and "empty" in d["message"] for d in vdiags(rep)), "empty database warned")
    rep = scan_json(rootfs, "--vulndb", db, "--vulndb-max-age", "0")

    # VEX in: shown, not dropped
    ovx = os.path.join(TMP, "in.openvex.json")
    json.dump({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "urn:test", "author": "test",
               "timestamp": "2026-01-01T00:00:00Z", "version": 1,
               "statements": [{"vulnerability": {"name": "CVE-2022-48174"},
                               "products": [{"@id": "pkg:generic/busybox@1.28.4"}, {"@id": "busybox"}],
                               "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
                               "impact_statement": "ash is never given untrusted input"}]}, open(ovx, "w"))
    rep = scan_json(rootfs, "--vulndb", db, "--vulndb-max-age", "0", "--vex", ovx)
    vs = {v["id"]: v for v in rep["vulnerabilities"]}
    v = vs.get("CVE-2022-48174", {})
    ok(v.get("status") == "not_affected" and v.get("justification") == "vulnerable_code_not_in_execute_path"
       and "untrusted input" in (v.get("status_detail") or ""), "OpenVEX statement applied and shown")
    ok(len(vs) == len(BUSYBOX_CVES), "VEX drops nothing")
    cdx = os.path.join(TMP, "in.cdx.json")
    json.dump({"bomFormat": "CycloneDX", "specVersion": "1.5",
               "components": [{"bom-ref": "bb", "name": "busybox", "version": "1.28.4"}],
               "vulnerabilities": [{"id": "CVE-2018-1000517", "analysis": {"state": "not_affected",
                                    "justification": "code_not_present", "detail": "wget removed"},
                                    "affects": [{"ref": "bb"}]}]}, open(cdx, "w"))
    rep = scan_json(rootfs, "--vulndb", db, "--vulndb-max-age", "0", "--vex", cdx)
    v = {x["id"]: x for x in rep["vulnerabilities"]}.get("CVE-2018-1000517", {})
    ok(v.get("status") == "not_affected" and v.get("justification") == "code_not_present",
       "CycloneDX VEX applied")
    open(os.path.join(TMP, "bad.vex"), "w").write("{}")
    rep = scan_json(rootfs, "--vulndb", db, "--vulndb-max-age", "0", "--vex", os.path.join(TMP, "bad.vex"))
    ok(any(d["level"] == "error" and "VEX" in d["message"] for d in vdiags(rep)), "a bad VEX file is an error diagnostic")

    # OpenVEX out
    p = run(["scan", rootfs, "-f", "openvex", "--fail-on", "none", "--vulndb", db, "--vex", ovx],
            env={"SOURCE_DATE_EPOCH": "1700000000"})
    ok(p.returncode == 0, "scan -f openvex")
    doc = json.loads(p.stdout) if p.returncode == 0 else {}
    ok(doc.get("@context") == "https://openvex.dev/ns/v0.2.0" and doc.get("timestamp") == "2023-11-14T22:13:20Z"
       and doc.get("@id", "").startswith("urn:firmgate:vex:"), "OpenVEX header")
    sts = doc.get("statements", [])
    ok(len(sts) == len(BUSYBOX_CVES), "one OpenVEX statement per match")
    for s in sts:
        ok(s["status"] in ("affected", "not_affected") and s["products"][0]["@id"] and s["vulnerability"]["name"],
           "OpenVEX statement shape")
        if s["status"] == "not_affected":
            ok(s.get("justification") and s.get("impact_statement"), "not_affected has justification and impact")
        else:
            ok(s.get("action_statement"), "affected has an action statement")
    out = os.path.join(TMP, "out")
    p = run(["scan", rootfs, "-o", out, "-f", "json,openvex", "--fail-on", "none", "--vulndb", db, "-q"])
    ok(p.returncode == 0 and os.path.isfile(os.path.join(out, "firmgate-report.openvex.json")),
       "scan -o writes firmgate-report.openvex.json")
    # the OpenVEX output is valid VEX input
    p = run(["db", "match", "--vulndb", db, "--vex", os.path.join(out, "firmgate-report.openvex.json"),
             "busybox", "1.28.4"])
    ok(p.returncode == 0, "our OpenVEX reads back as VEX input")

    # the text summary
    p = run(["scan", rootfs, "--no-color", "--fail-on", "none", "--vulndb", db, "--vulndb-max-age", "0"])
    text = p.stdout.decode()
    ok("Vulnerabilities (" in text and "CVE-" in text, "text summary lists vulnerabilities")


def main():
    global FG, TMP
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--tmp", required=True)
    a = ap.parse_args()
    FG = os.path.abspath(a.firmgate)
    data = os.path.join(a.shared, "vulndata")
    if not os.path.isdir(os.path.join(data, "nvd")):
        print("SKIP: no vulndata in %s" % a.shared)
        return 77
    TMP = os.path.abspath(a.tmp)
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    nvd = sorted(os.path.join(data, "nvd", f) for f in os.listdir(os.path.join(data, "nvd")) if f.endswith(".json"))
    kev = os.path.join(data, "kev.json")

    db = os.path.join(TMP, "vulndb.sqlite")
    p = run(["db", "import", "--vulndb", db] + nvd + [kev])
    ok(p.returncode == 0 and b"NVD 61 new" in p.stdout and b"KEV 1404" in p.stdout,
       "import of the test data (%s %s)" % (p.stdout.decode().strip(), p.stderr.decode().strip()))
    st = json.loads(run(["db", "status", "--vulndb", db, "--json"]).stdout)
    ok(st["records"]["cve"] == 61 and st["records"]["cve_no_applicability_data"] == 2 and st["records"]["kev"] == 1404,
       "status counts: %s" % st["records"])
    db_nvd = os.path.join(TMP, "nvd-only.sqlite")
    run(["db", "import", "--vulndb", db_nvd] + nvd)

    print("expected-match table (vulndata/README.md):")
    check_expected(db, os.path.join(data, "README.md"))
    check_kev_and_nodata(db, db_nvd)
    check_scan(db, kev)
    check_imports(db, nvd, kev)
    check_update(nvd, kev)
    check_without_libcurl(nvd)
    print("%d passed, %d failed" % (passed, failed))
    if not failed:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
