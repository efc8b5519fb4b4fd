#!/usr/bin/env python3
"""The man page (man/firmgate.1) covers the command line:
  - every command `firmgate --help` lists has a section;
  - every long option printed by `firmgate --help` and `firmgate CMD --help`,
    for every command, appears in the page;
  - the page renders without warnings (`groff -ww`, and `man --warnings -l`
    when man-db is installed; skipped when neither is);
  - with --ci-doc, the firmgate command lines of docs/CI.md use only options
    their command's --help lists.
"""
import argparse
import os
import re
import shutil
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


def help_text(fg, *args):
    p = subprocess.run([fg] + list(args) + ["--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    ok(p.returncode == 0, "firmgate %s --help exits 0 (%d)" % (" ".join(args), p.returncode))
    return p.stdout.decode()


def commands(main_help):
    """The names under "Commands:" of `firmgate --help`."""
    sec = main_help.split("Commands:", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in sec.splitlines() if line.strip()]


def page_text(source):
    """The page's words as the reader sees them: escapes for '-' and fonts undone."""
    text = re.sub(r"\\f(\[[A-Z]*\]|[BIRP])", "", source)
    text = text.replace("\\-", "-").replace("\\(aq", "'")
    return text


LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9]")


def doc_commands(markdown, cmds):
    """(command, text) of every firmgate command line in the code blocks of
    MARKDOWN; a line ending in a backslash, or followed by lines starting
    with an option (a folded YAML scalar), continues."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", markdown, re.M | re.S)
    found = []
    for block in blocks:
        lines = block.splitlines()
        for i, line in enumerate(lines):
            m = re.search(r"\bfirmgate (%s)\b(.*)" % "|".join(map(re.escape, cmds)), line)
            if not m:
                continue
            text = m.group(2)
            j = i
            while j + 1 < len(lines) and (lines[j].rstrip().endswith("\\") or
                                          lines[j + 1].strip().startswith("--")):
                j += 1
                text += " " + lines[j]
            found.append((m.group(1), text))
    return found


def render_warnings(page):
    """Warnings of every renderer that is installed; None when none is."""
    found = None
    if shutil.which("groff"):
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        found = (found or "") + p.stderr.decode() + ("" if p.returncode == 0 else "groff exit %d\n" % p.returncode)
    if shutil.which("man"):
        env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0")
        p = subprocess.run(["man", "--warnings", "-l", page], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=60)
        ok(p.returncode == 0 and b"firmgate" in p.stdout, "man -l renders the page (exit %d)" % p.returncode)
        found = (found or "") + p.stderr.decode()
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--firmgate", required=True)
    ap.add_argument("--page", required=True)
    ap.add_argument("--ci-doc", help="docs/CI.md: its firmgate command lines use only existing options")
    a = ap.parse_args()
    source = open(a.page, encoding="utf-8").read()
    text = page_text(source)

    main_help = help_text(a.firmgate)
    cmds = commands(main_help)
    ok(len(cmds) >= 8, "firmgate --help lists the commands (%s)" % cmds)
    helps = {"": main_help}
    for c in cmds:
        helps[c] = help_text(a.firmgate, c)
        ok(re.search(r"^\.SS \"?%s\b" % re.escape(c), source, re.M) is not None,
           "the page has a section for '%s'" % c)

    for c, h in helps.items():
        opts = sorted(set(LONG_OPTION.findall(h)))
        ok(opts or c in ("formats", "standards"), "'%s --help' prints long options" % c)
        for o in opts:
            ok(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o), text) is not None,
               "option %s of '%s' is in the man page" % (o, c or "firmgate"))

    # the CI recipes use only options that exist
    if a.ci_doc:
        doc = open(a.ci_doc, encoding="utf-8").read()
        uses = doc_commands(doc, cmds)
        ok(len(uses) >= 4, "%s: firmgate command lines found (%d)" % (a.ci_doc, len(uses)))
        for c, line in uses:
            for o in set(LONG_OPTION.findall(line)):
                ok(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o), helps[c]) is not None,
                   "%s: 'firmgate %s ... %s' is an option of %s" % (os.path.basename(a.ci_doc), c, o, c))
        try:
            import yaml
            for block in re.findall(r"^```yaml\n(.*?)^```", doc, re.M | re.S):
                try:
                    ok(isinstance(yaml.safe_load(block), dict), "a YAML block of %s is a map" % a.ci_doc)
                except yaml.YAMLError as e:
                    ok(False, "a YAML block of %s does not parse: %s" % (a.ci_doc, e))
        except ImportError:
            print("note: python3-yaml missing: the YAML of %s not parsed" % a.ci_doc)

    warnings = render_warnings(a.page)
    if warnings is None:
        print("SKIP: neither groff nor man installed: rendering not checked")
    else:
        ok(warnings.strip() == "", "the page renders without warnings: %r" % warnings[:500])

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
