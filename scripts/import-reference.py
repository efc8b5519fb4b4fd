#!/usr/bin/env python3
"""Regenerates data/standards/catalog.tsv from the shared baseline reference
(../shared/reference/baselines.json and iotsf.json).

The reference holds the requirement IDs, our own paraphrased titles, a
FW/DECL/DEV classification, firmware check families and cross-mappings to
ETSI EN 303 645, with confidence notes. This script only reshapes it into
one tab-separated line per requirement; ETSI EN 303 645 becomes two
standards, etsi-en-303-645 (the V2.1.1 IDs and levels) and
etsi-en-303-645-v3 (the V3.1.3 IDs and Table B.1 statuses). Run it when
the reference changes and commit the result:

    python3 scripts/import-reference.py ../shared/reference > data/standards/catalog.tsv
"""
import json
import os
import sys

STANDARDS = {
    "ETSI EN 303 645": "etsi-en-303-645",
    "UK PSTI Regulations 2023 (SI 2023/1007)": "uk-psti",
    "NIST IR 8259A": "nist-ir-8259a",
    "NIST IR 8259B": "nist-ir-8259b",
    "NIST IR 8425": "nist-ir-8425",
    "IoTSF Assurance Framework": "iotsf-af",
    "Consumers International Trust by Design (2019)": "ci-trust-by-design",
    "Singapore IMDA IoT Cyber Security Guide (2020)": "sg-imda-iot",
    "Singapore CSA Cybersecurity Labelling Scheme (CLS IoT)": "sg-csa-cls",
    "Japan IoT Security Guidelines v1.0 (IoT Acceleration Consortium/MIC/METI, 2016)": "jp-iot-guidelines",
    "Australia Code of Practice: Securing the IoT for Consumers (2020)": "au-code-of-practice",
    "ENISA Baseline Security Recommendations for IoT (2017)": "enisa-baseline",
    "ENISA Good Practices for Security of IoT - Secure SDLC (2019)": "enisa-sdlc",
    "PSA Certified 10 Security Goals": "psa-goals",
    "PSA Certified Level 1 Questionnaire v1.0": "psa-level1",
    "EU Cyber Resilience Act (Reg. (EU) 2024/2847) Annex I": "eu-cra",
    "EN 18031-1/-2/-3 (2024)": "en-18031",
    "OWASP IoT Top 10 (2018)": "owasp-iot-top10",
    "California SB-327 (Civil Code 1798.91.04)": "ca-sb327",
}


def level_of(std, raw):
    """mandatory / recommended / conditional / voluntary from the reference's level text."""
    r = (raw or "").strip()
    if std.startswith("etsi-en-303-645"):
        if r.startswith("M"):
            return "mandatory" if r == "M" else "mandatory-conditional"
        if r.startswith("R"):
            return "recommended" if r == "R" else "recommended-conditional"
        return "voluntary"
    low = r.lower()
    if low.startswith("mandatory") or "harmonised-standard" in low:
        return "mandatory"
    if low.startswith("recommended") or low.startswith("should"):
        return "recommended"
    if low.startswith("advisory"):
        return "recommended"
    return "voluntary"


def clean(s):
    return " ".join((s or "").replace("\t", " ").split())


def main():
    ref = sys.argv[1] if len(sys.argv) > 1 else "../shared/reference"
    records = json.load(open(os.path.join(ref, "baselines.json")))
    for r in json.load(open(os.path.join(ref, "iotsf.json"))):
        r = dict(r)
        r["class"], r["kind_class"] = r.get("kind"), r.get("class")
        r["note"] = "assurance class %s; %s" % (r.get("kind_class"), r.get("status", ""))
        r["confidence"] = "high" if r.get("status") == "confirmed" else "low"
        records.append(r)
    print("# standard\tid\tlevel\tclass\tfamilies\tetsi\tconfidence\ttitle\tevidence\tnote")
    # ETSI EN 303 645 is two standards: V2.1.1 (etsi-en-303-645) and
    # V3.1.3 (etsi-en-303-645-v3), each with its own IDs and levels
    # (level_v2, level_v3); the V3 rows follow the V2 rows.
    v3 = []
    for r in records:
        std = STANDARDS[r["standard"]]
        if std.startswith("etsi-en-303-645"):
            versions = r.get("versions") or ["V2.1.1"]
            if "V3.1.3" in versions:
                v3.append(row(r, "etsi-en-303-645-v3", r.get("level_v3") or r.get("level")))
            if "V2.1.1" not in versions:
                continue
            print(row(r, std, r.get("level_v2") or r.get("level")))
            continue
        for line in v3:
            print(line)
        v3 = []
        print(row(r, std, r.get("level")))
    for line in v3:
        print(line)


def row(r, std, level):
    return "\t".join([
        std, clean(r["id"]), level_of(std, level), r.get("class") or "DECL",
        ",".join(r.get("fw_checks") or []), ",".join(r.get("maps_to_etsi") or []),
        r.get("confidence") or "", clean(r["title"]), clean(r.get("evidence")), clean(r.get("note")),
    ])

if __name__ == "__main__":
    main()
