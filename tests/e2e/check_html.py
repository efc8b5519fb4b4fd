#!/usr/bin/env python3
"""End-to-end: the HTML report of a corpus image, rendered in headless
Chromium.

One scan writes the JSON and the HTML report of a planted image (with a
small vulnerability database built from the shared NVD records, so the
page has CVEs). The page must be self-contained (no attribute pointing
anywhere but inside the page or at data:, exactly the two inline
scripts, a Content-Security-Policy that forbids fetches). Chromium then
loads it:

  --dump-dom  the DOM after the scripts ran: report.js finished
              (data-js-ready), the error hook in the page head recorded
              nothing (script errors, rejected promises, console.error,
              blocked fetches), Chromium's own log has no console message
              or "Uncaught" from the page; every finding (fingerprint,
              check group), every standard, every CVE and every component
              of the JSON report is in the DOM;
  a copy with a test script appended clicks a column header, types in the
              filter box and switches a severity off, and records what it
              saw, so sorting and filtering are checked in the browser;
  --screenshot a PNG of 1280x2000 that is not blank (decoded here: many
              colours, a fair share of non-white pixels). It is kept in
              the build directory as an artifact.

Exit 77 (skipped) when Chromium is not installed.
"""
import argparse
import glob
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

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


def run(args, timeout=600):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def chromium_binary():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium(binary, *args):
    """Runs headless Chromium; returns (stdout, stderr) as text."""
    p = run([binary, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
             "--disable-extensions", "--enable-logging=stderr", "--v=0"] + list(args), timeout=180)
    return p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


# ---- static checks -----------------------------------------------------------

URL_ATTRS = {"src", "href", "action", "formaction", "srcset", "poster", "data", "background", "xlink:href"}


class PageScanner(html.parser.HTMLParser):
    """Collects what could make the page fetch something."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.external = []
        self.scripts = 0
        self.script_src = 0
        self.csp = None
        self.forbidden_tags = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
            self.script_src += "src" in a
        if tag in ("link", "iframe", "object", "embed", "base", "img", "video", "audio", "source", "frame"):
            self.forbidden_tags.append(tag)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = a.get("content")
        for k, v in attrs:
            if k in URL_ATTRS and v is not None and not (v.startswith("#") or v.startswith("data:")):
                self.external.append((tag, k, v))
            if k == "style" and v and "url(" in v:
                self.external.append((tag, k, v))


def static_checks(page):
    s = PageScanner()
    s.feed(page)
    ok(not s.external, "attributes pointing outside the page: %s" % s.external[:5])
    ok(not s.forbidden_tags, "elements that load resources: %s" % s.forbidden_tags[:5])
    ok(s.scripts == 2 and s.script_src == 0, "exactly two inline scripts (got %d, %d with src)" % (s.scripts, s.script_src))
    ok(s.csp is not None and "default-src 'none'" in s.csp, "a Content-Security-Policy forbidding fetches (%s)" % s.csp)
    ok("url(" not in page and "@import" not in page, "no url() or @import in the page")


# ---- PNG ---------------------------------------------------------------------

def png_pixels(path):
    """Decodes an 8-bit RGB or RGBA PNG (what Chromium writes); returns
    (width, height, rows of bytes, bytes per pixel)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype = hdr[0], hdr[1], hdr[2], hdr[3]
    if depth != 8 or ctype not in (2, 6):
        raise ValueError("unsupported PNG type %d/%d" % (depth, ctype))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows, bpp


def screenshot_checks(path):
    if not ok(os.path.isfile(path), "screenshot written: %s" % path):
        return
    size = os.path.getsize(path)
    ok(size > 20000, "screenshot is not trivial (%d bytes)" % size)
    try:
        w, h, rows, bpp = png_pixels(path)
    except Exception as e:  # noqa: BLE001 - any decoding problem is a failure
        ok(False, "screenshot cannot be decoded: %s" % e)
        return
    ok((w, h) == (1280, 2000), "screenshot is 1280x2000 (%dx%d)" % (w, h))
    colours, ink, total = set(), 0, 0
    for y in range(0, h, 4):
        row = rows[y]
        for x in range(0, w, 4):
            px = row[x * bpp:x * bpp + 3]
            colours.add(px)
            total += 1
            ink += px != b"\xff\xff\xff"
    ok(len(colours) >= 50, "screenshot has many colours (%d): not blank" % len(colours))
    ok(ink >= total * 0.08, "screenshot has content: %.1f%% non-white pixels" % (100.0 * ink / total))


# ---- the DOM after the scripts ran --------------------------------------------

def token(s):
    """fg_html_token(): [A-Za-z0-9.-] kept, anything else as _xx."""
    return "".join(c if re.match(r"[A-Za-z0-9.\-]", c) else "_%02x" % b
                   for c, b in ((chr(b), b) for b in s.encode()))


def dom_checks(dom, err, report, page_url):
    ok('data-js-ready="1"' in dom, "report.js ran to the end (data-js-ready)")
    m = re.search(r'data-js-errors="(\d+)"', dom)
    last = re.search(r'data-js-error-last="([^"]*)"', dom)
    ok(m is None, "no script error, console.error or blocked fetch recorded in the page (%s: %s)" % (
        m.group(1) if m else 0, last.group(1) if last else ""))
    console = [l for l in err.splitlines() if ":CONSOLE" in l or "Uncaught" in l]
    ok(not console, "Chromium logged console messages from the page: %s" % console[:3])

    findings = report["findings"]
    ok(findings, "the image has findings to show")
    shown = re.findall(r'<article class="finding[^"]*"[^>]*data-fingerprint="([0-9a-f]+)"', dom)
    ok(len(shown) == len(findings), "every finding once: %d in the DOM, %d in the JSON" % (len(shown), len(findings)))
    missing = [f["fingerprint"] for f in findings if f["fingerprint"] not in shown]
    ok(not missing, "findings of the JSON report missing from the DOM: %s" % missing[:5])
    for check in sorted({f["check_id"] for f in findings}):
        ok('id="check-%s"' % token(check) in dom, "finding group of %s" % check)
    standards = report["standards"]
    ok(len(standards) >= 19, "the report has every standard (%d)" % len(standards))
    for st in standards:
        ok('data-standard="%s"' % st["id"] in dom and 'id="std-%s"' % token(st["id"]) in dom,
           "standard %s in the summary and with its requirement table" % st["id"])
    verdicts = report["compliance"]
    rows = len(re.findall(r'<tr data-filter="" data-verdict="', dom))
    ok(rows == len(verdicts), "every requirement verdict has a row (%d of %d)" % (rows, len(verdicts)))
    for v in report["vulnerabilities"]:
        ok('data-cve="%s"' % v["id"] in dom, "CVE %s in the DOM" % v["id"])
    for i in range(1, len(report["components"]) + 1):
        ok('id="component-%d"' % i in dom, "component %d in the DOM" % i)
    ok('class="covmap"' in dom and "<rect" in dom, "the coverage map is drawn")
    ok('id="hardening-table"' in dom, "the ELF hardening table is there")


# A test script appended to a copy of the page: it uses the page's own
# controls the way a reader would and records what it saw on <body>.
INTERACTION = r"""
<script>
(function () {
  var b = document.body;
  function visible(sel) {
    return Array.prototype.filter.call(document.querySelectorAll(sel), function (e) {
      return !e.classList.contains("is-hidden");
    });
  }
  try {
    var t = document.getElementById("components-table");
    var th = t.tHead.rows[0].cells[0];
    th.click();
    var names = Array.prototype.map.call(t.tBodies[0].rows, function (r) { return r.cells[0].firstChild.textContent.toLowerCase(); });
    var asc = names.every(function (n, i) { return i === 0 || names[i - 1].localeCompare(n, undefined, {numeric: true, sensitivity: "base"}) <= 0; });
    th.click();
    var names2 = Array.prototype.map.call(t.tBodies[0].rows, function (r) { return r.cells[0].firstChild.textContent.toLowerCase(); });
    var desc = names2.every(function (n, i) { return i === 0 || names2[i - 1].localeCompare(n, undefined, {numeric: true, sensitivity: "base"}) >= 0; });
    b.setAttribute("data-test-sort", asc && desc && th.getAttribute("aria-sort") === "descending" ? "ok" : "bad");

    var all = document.querySelectorAll("article.finding").length;
    var box = document.getElementById("filter");
    var fp = document.querySelector("article.finding").getAttribute("data-fingerprint");
    box.value = fp;
    box.dispatchEvent(new Event("input"));
    b.setAttribute("data-test-filter", visible("article.finding").length + "/" + all);
    box.value = "";
    box.dispatchEvent(new Event("input"));
    b.setAttribute("data-test-unfiltered", visible("article.finding").length + "/" + all);

    var low = document.querySelector('input.sev-toggle[data-sev="low"]');
    low.checked = false;
    low.dispatchEvent(new Event("change"));
    b.setAttribute("data-test-low-visible", String(visible('article.finding[data-sev="low"]').length));
    b.setAttribute("data-test-after-low", visible("article.finding").length + "/" + all);
    b.setAttribute("data-test-done", "1");
  } catch (e) {
    b.setAttribute("data-test-exception", String(e));
  }
})();
</script>
"""


def interaction_checks(binary, page, tmp, report):
    probe = os.path.join(tmp, "interact.html")
    with open(probe, "w") as f:
        f.write(page.replace("</body>", INTERACTION + "</body>"))
    dom, err = chromium(binary, "--dump-dom", "file://" + probe)
    ok('data-test-done="1"' in dom, "the interaction script ran (%s)" % re.findall(r'data-test-exception="([^"]*)"', dom))
    ok('data-test-sort="ok"' in dom, "a click on a header sorts the column both ways")
    n = len(report["findings"])
    ok('data-test-filter="1/%d"' % n in dom, "the filter box keeps only the finding with that fingerprint (%s)" %
       re.findall(r'data-test-filter="([^"]*)"', dom))
    ok('data-test-unfiltered="%d/%d"' % (n, n) in dom, "clearing the filter shows every finding again")
    low = sum(1 for f in report["findings"] if f["severity"] == "low")
    ok('data-test-low-visible="0"' in dom, "switching 'low' off hides every low finding")
    ok('data-test-after-low="%d/%d"' % (n - low, n) in dom, "and only those (%s)" %
       re.findall(r'data-test-after-low="([^"]*)"', dom))
    ok(not re.search(r'data-js-errors="', dom), "no script error while sorting and filtering")


def build_vulndb(fg, shared, tmp):
    nvd = sorted(glob.glob(os.path.join(shared, "vulndata", "nvd", "*.json")))
    kev = os.path.join(shared, "vulndata", "kev.json")
    if not nvd or not os.path.isfile(kev):
        return None
    db = os.path.join(tmp, "vulndb.sqlite")
    if os.path.exists(db):
        os.unlink(db)
    p = run([fg, "db", "import", "--vulndb", db] + nvd + [kev])
    return db if ok(p.returncode == 0, "vulnerability database imported: %s" % p.stderr.decode()[-300:]) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--tmp", required=True, help="where the reports and the screenshot are kept")
    a = ap.parse_args()
    binary = chromium_binary()
    if not binary:
        print("skip: chromium is not installed (apt-get install chromium)")
        return 77
    fg = a.firmgate
    os.makedirs(a.tmp, exist_ok=True)
    image = os.path.join(a.corpus, "images", "cam-b_squashfs-gzip.img")
    db = build_vulndb(fg, a.shared, a.tmp)
    out = os.path.join(a.tmp, "report")
    shutil.rmtree(out, ignore_errors=True)
    args = [fg, "scan", image, "-o", out, "--format", "json,html", "--fail-on", "none", "-q"]
    if db:
        args += ["--vulndb", db]
    p = run(args)
    if not ok(p.returncode == 0, "scan -o --format json,html: exit %d %s" % (p.returncode, p.stderr.decode()[-300:])):
        return 1
    html_path = os.path.join(out, "firmgate-report.html")
    report = json.load(open(os.path.join(out, "firmgate-report.json")))
    page = open(html_path, encoding="utf-8").read()
    if db:
        ok(report["vulnerabilities"], "the database matched CVEs to show")

    # the README's command: -o alone writes the JSON and the HTML report
    out2 = os.path.join(a.tmp, "report-default")
    shutil.rmtree(out2, ignore_errors=True)
    p = run([fg, "scan", image, "-o", out2, "--fail-on", "none", "-q"])
    ok(p.returncode == 0 and sorted(os.listdir(out2)) == ["firmgate-report.html", "firmgate-report.json"],
       "scan -o DIR writes firmgate-report.json and firmgate-report.html (%s)" %
       (os.listdir(out2) if os.path.isdir(out2) else p.stderr.decode()[-200:]))
    # without -o the page goes to stdout, and the same input gives the same page
    p1 = run([fg, "scan", image, "--format", "html", "--fail-on", "none"] + (["--vulndb", db] if db else []))
    p2 = run([fg, "scan", image, "--format", "html", "--fail-on", "none"] + (["--vulndb", db] if db else []))
    ok(p1.returncode == 0 and p1.stdout.startswith(b"<!DOCTYPE html>") and p1.stdout.endswith(b"</html>\n"),
       "--format html prints the page on stdout, nothing else")
    ok(p1.stdout == p2.stdout and p1.stdout.decode() == page, "the page is deterministic")

    static_checks(page)
    dom, err = chromium(binary, "--dump-dom", "file://" + os.path.abspath(html_path))
    ok(dom.lstrip().lower().startswith("<!doctype html>") or "<html" in dom[:200], "Chromium dumped the DOM")
    dom_checks(dom, err, report, html_path)
    interaction_checks(binary, page, a.tmp, report)

    shot = os.path.join(a.tmp, "firmgate-report.png")
    if os.path.exists(shot):
        os.unlink(shot)
    chromium(binary, "--screenshot=" + shot, "--window-size=1280,2000", "--hide-scrollbars",
             "file://" + os.path.abspath(html_path))
    screenshot_checks(shot)
    print("screenshot: %s" % shot)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
