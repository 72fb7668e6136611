#!/usr/bin/env python3
"""The query endpoint judged from docs/api.md alone, on a hub holding the held-out exports of
scripts/heldout_ingest.py (all six source systems). Python's standard library; shares no code with the hub.

It starts `simpul serve`, registers OPDs with random grants and purposes, and for random record queries
(`/v1/records/{schema}`: every filter operator on fields of every type, `select`, `order` both ways, small pages
walked to the end by their cursors, JSON and CSV) compares what an OPD receives with what docs/api.md says it must:
the records an OPD granted everything reads, filtered, ordered (missing values last ascending, first descending,
ties by source key) and cut to the grant here. Then the refusals (no token, an unknown or revoked one, no purpose or
one not granted, a schema or a filter field not granted: 401 / 403 with a JSON error; unknown fields, operators and
limits: 400), each change feed (every version once, gap-free, cut to the grant, its last version the record), each
citizen lookup cut to the grant, name searches (leading names in any case, narrowed by birth date or region, in
name order, `more` when there are more), a server-sent event stream resumed with Last-Event-ID, no NIK or name in the server's log, and the audit log: every personal read and every refusal is one
entry more in it, and nothing else is.

usage: heldout_api.py [--seed N] [--rows N] [--queries N] [--keep DIR]   (SIMPUL_BIN: the simpul binary)
"""
import argparse
import csv
import io
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from heldout_common import ROOT, finish, simpul_binary


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Hub:
    def __init__(self, binary, db):
        self.binary, self.db = binary, db
        self.env = dict(os.environ, SIMPUL_HOME=ROOT)

    def run(self, *args):
        return subprocess.run([self.binary] + list(args) + ["--db", self.db], env=self.env, check=True, capture_output=True,
                              text=True).stdout

    def opd(self, name, grants, purposes):
        args = ["opd", "add", name, "--json", "--rate", "1000000"]
        for g in grants:
            args += ["--grant", g]
        for p in purposes:
            args += ["--purpose", p]
        return json.loads(self.run(*args))["token"]

    def audit_count(self):
        c = sqlite3.connect(self.db + "-audit")
        try:
            return c.execute("SELECT count(*) FROM audit").fetchone()[0]
        finally:
            c.close()


class Client:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port

    def get(self, path, token=None, purpose=None, accept=None):
        req = urllib.request.Request(self.base + path)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if purpose:
            req.add_header("X-Purpose", purpose)
        if accept:
            req.add_header("Accept", accept)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()


def number(text):
    """A decimal string as an exact comparable (sen, as an integer scaled by 10^6 to keep any fraction)."""
    neg = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    v = int(whole or "0") * 10 ** 6 + int((frac + "000000")[:6])
    return -v if neg else v


class Field:
    def __init__(self, name, spec):
        types = spec.get("type")
        types = types if isinstance(types, list) else [types]
        self.name = name
        self.kind = "int" if "integer" in types else "money" if spec.get("format") == "decimal" else \
            "list" if ("array" in types or "object" in types) else "text"

    def key(self, v):
        if self.kind == "int":
            return int(v)
        if self.kind == "money":
            return number(str(v))
        return str(v)


PROVENANCE = {"version", "connector", "raw_seq", "ingested_at"}


def matches(record, filters, fields):
    for name, op, value in filters:
        f = fields[name]
        v = record.get(name)
        if op == "neq":
            if v is not None and f.key(v) == f.key(value):
                return False
            continue
        if v is None:
            return False
        if op == "eq" and f.key(v) != f.key(value):
            return False
        if op == "in" and f.key(v) not in {f.key(x) for x in value}:
            return False
        if op == "like" and not str(v).startswith(value):
            return False
        if op in ("gt", "gte", "lt", "lte"):
            a, b = f.key(v), f.key(value)
            if not {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]:
                return False
    return True


def ordered(records, field, desc, fields):
    """Missing values last ascending, first descending; ties broken by source key, in the order's direction (what
    keyset pagination on (value, source key) gives; docs/api.md said only "by source key" until 2026-11-29)."""
    f = fields[field]
    present = sorted((r for r in records if r.get(field) is not None), key=lambda r: (f.key(r[field]), r["source_key"]), reverse=desc)
    missing = sorted((r for r in records if r.get(field) is None), key=lambda r: r["source_key"], reverse=desc)
    return missing + present if desc else present + missing


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rows", type=int, default=1500, help="registry rows of the held-out exports")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--keep")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    binary = simpul_binary()
    out = args.keep or tempfile.mkdtemp(prefix="heldout-api-")
    data = os.path.join(out, "exports")
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "heldout_ingest.py"), "--seed", str(args.seed), "--rows",
                    str(args.rows), "--keep", data], check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, SIMPUL_BIN=binary))
    hub = Hub(binary, os.path.join(data, "simpul.db"))
    problems = []

    # OPDs: one granted everything; one with a random part of each schema and two purposes; one without personal data.
    schema_names = ["budget_line", "business", "citizen", "disbursement", "permit", "planning_item"]
    everything = hub.opd("semua", ["*"], ["audit-uji"])
    port = free_port()
    log = open(os.path.join(out, "serve.log"), "wb")
    server = subprocess.Popen([binary, "serve", "--db", hub.db, "--port", str(port)], env=hub.env, stdout=log, stderr=log)
    try:
        client = Client(port)
        for _ in range(100):
            try:
                if client.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        schemas = {n: json.loads(client.get("/v1/schemas/" + n, everything)[2]) for n in schema_names}
        fields = {n: {k: Field(k, v) for k, v in s["properties"].items()} for n, s in schemas.items()}
        personal = {n for n, s in schemas.items() if s.get("x-personal")}
        grants = {}
        for n in schema_names:
            names = sorted(fields[n])
            if rng.random() < 0.2:
                grants[n] = set(names)
            elif rng.random() < 0.85:
                grants[n] = set(rng.sample(names, rng.randint(2, max(2, len(names) // 2)))) | {"source_key"}
        if not grants:
            grants["permit"] = set(fields["permit"])  # an OPD is granted something
        partial = hub.opd("sebagian", ["%s:%s" % (n, "*" if g == set(fields[n]) else ",".join(sorted(g))) for n, g in grants.items()],
                          ["layanan", "statistik"])
        plain = hub.opd("anggaran", ["budget_line:*", "planning_item:*"], ["anggaran"])
        revoked = hub.opd("dicabut", ["*"], ["layanan"])
        hub.run("opd", "revoke", "dicabut")
        time.sleep(1.1)  # the server keeps a token it has seen for a second

        # Every current record of each schema, through the OPD granted everything.
        allrec = {}
        for n in schema_names:
            recs, cursor = [], None
            while True:
                q = "/v1/records/%s?limit=1000" % n + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
                status, _, body = client.get(q, everything, "audit-uji")
                if status != 200:
                    problems.append("%s: the full read answered %d" % (n, status))
                    break
                page = json.loads(body)
                recs += page["records"]
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            allrec[n] = recs
            keys = [r["source_key"] for r in recs]
            if keys != sorted(keys) or len(set(keys)) != len(keys):
                problems.append("%s: the full read is not each record once in source key order" % n)
        audit_before = hub.audit_count()
        expected_audit = 0

        def value_of(n, fname):
            vals = [r[fname] for r in allrec[n] if r.get(fname) is not None and not isinstance(r[fname], (list, dict))]
            return rng.choice(vals) if vals else None

        # Record queries as the partial OPD, each page by page to the end.
        queries = 0
        for _ in range(args.queries):
            n = rng.choice([s for s in schema_names if s in grants and allrec.get(s)])
            granted = grants[n]
            usable = [f for f in sorted(granted) if fields[n][f].kind != "list" and f not in PROVENANCE]
            filters = []
            for _ in range(rng.randint(0, 2)):
                fname = rng.choice(usable)
                v = value_of(n, fname)
                if v is None:
                    continue
                kind = fields[n][fname].kind
                op = rng.choice(["eq", "neq", "gt", "gte", "lt", "lte", "in"] + (["like"] if kind == "text" else []))
                if op == "in":
                    vals = sorted({str(value_of(n, fname)) for _ in range(3)})
                    filters.append((fname, op, vals))
                elif op == "like":
                    s = str(v)
                    filters.append((fname, op, s[:rng.randint(1, max(1, len(s)))]))
                else:
                    filters.append((fname, op, str(v)))
            order_field = rng.choice(usable)
            desc = rng.random() < 0.5
            select = sorted(rng.sample(sorted(granted), rng.randint(1, len(granted)))) if rng.random() < 0.4 else None
            limit = rng.choice([1, 3, 7, 50, 1000])
            as_csv = rng.random() < 0.25
            params = []
            quote = lambda x: '"%s"' % x.replace("\\", "\\\\").replace('"', '\\"') if ("," in x or x.startswith('"')) else x
            for fname, op, v in filters:
                params.append((fname, "%s.%s" % (op, "(%s)" % ",".join(quote(x) for x in v) if op == "in" else v)))
            params.append(("order", "%s.%s" % (order_field, "desc" if desc else "asc")))
            if select:
                params.append(("select", ",".join(select)))
            params.append(("limit", str(limit)))
            if as_csv:
                params.append(("format", "csv"))
            want = ordered([r for r in allrec[n] if matches(r, filters, fields[n])], order_field, desc, fields[n])
            shown = set(select) if select else granted
            want = [{k: v for k, v in r.items() if k in shown} for r in want]
            got, cursor, pages = [], None, 0
            while True:
                q = "/v1/records/%s?%s" % (n, urllib.parse.urlencode(params + ([("cursor", cursor)] if cursor else [])))
                status, headers, body = client.get(q, partial, "layanan" if n in personal else None)
                pages += 1
                if n in personal:
                    expected_audit += 1
                if status != 200:
                    problems.append("%s: answered %d: %s" % (q, status, body[:200]))
                    break
                if as_csv:
                    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
                    header = rows[0]
                    for row in rows[1:]:
                        rec = {}
                        for h, cell in zip(header, row):
                            if cell == "":
                                continue
                            kind = fields[n][h].kind
                            rec[h] = json.loads(cell) if kind == "list" else int(cell) if kind == "int" else cell
                        got.append(rec)
                    cursor = {k.lower(): v for k, v in headers.items()}.get("x-next-cursor")
                else:
                    page = json.loads(body)
                    got += page["records"]
                    cursor = page.get("next_cursor")
                if not cursor or pages > 5000:
                    break
            queries += 1
            norm = lambda recs: [{k: (str(v) if fields[n][k].kind == "money" else v) for k, v in r.items()} for r in recs]
            if norm(got) != norm(want):
                first = next((i for i, (a, b) in enumerate(zip(norm(got), norm(want))) if a != b), min(len(got), len(want)))
                problems.append("%s %s: %d records over %d pages, %d expected; first difference at %d: got %s, expected %s"
                                % (n, urllib.parse.urlencode(params), len(got), pages, len(want), first,
                                   json.dumps(got[first] if first < len(got) else None)[:300],
                                   json.dumps(want[first] if first < len(want) else None)[:300]))

        # Change feeds: every version once, gap-free, cut to the grant; the last version of each key is the record.
        for n in sorted(grants):
            topic = "records." + n
            events, after, pages = [], 0, 0
            while pages < 10000:
                limit = rng.choice([1, 10, 250, 1000])
                status, _, body = client.get("/v1/topics/%s/events?after=%d&limit=%d" % (topic, after, limit), partial,
                                             "layanan" if n in personal else None)
                pages += 1
                if n in personal:
                    expected_audit += 1
                if status != 200:
                    problems.append("%s after %d: %d %s" % (topic, after, status, body[:200]))
                    break
                page = json.loads(body)
                events += page["events"]
                if not page["events"]:
                    break
                after = page["next_after"]
            seqs = [e["seq"] for e in events]
            if seqs != list(range(1, len(seqs) + 1)):
                problems.append("%s: sequence numbers not 1…%d without a gap" % (topic, len(seqs)))
            leaked = sorted({k for e in events for k in e["data"]} - grants[n])
            if leaked:
                problems.append("%s: fields not granted in events: %s" % (topic, leaked))
            last = {}
            for e in events:
                last[e["key"]] = e["data"]
            current = {r["source_key"]: r for r in allrec[n]}
            if set(last) != set(current):
                problems.append("%s: events for %d keys, %d records" % (topic, len(last), len(current)))
            for k, data in last.items():
                want = {f: v for f, v in current.get(k, {}).items() if f in grants[n] and f not in PROVENANCE}
                got = {f: v for f, v in data.items() if f not in PROVENANCE}
                if got != want:
                    problems.append("%s key %s: the last event %s, the record %s" % (topic, k, json.dumps(got)[:200], json.dumps(want)[:200]))
                    break

        # Citizens by name: the whole name or its leading names, in any case and spacing, narrowed by birth date and
        # region prefix; up to `limit` in name order, `more` when there are more.
        for r in rng.sample([c for c in allrec["citizen"] if c.get("nama")], 12):
            words = r["nama"].split()
            lead = words[:rng.randint(1, len(words))]
            if len(" ".join(lead)) < 3:
                lead = words
            query = "  ".join(w.lower() if rng.random() < 0.5 else w for w in lead)
            params = [("nama", query)]
            narrow = rng.random()
            if narrow < 0.3 and r.get("tanggal_lahir"):
                params.append(("tanggal_lahir", r["tanggal_lahir"]))
            elif narrow < 0.6 and r.get("kode_wilayah"):
                params.append(("kode_wilayah", r["kode_wilayah"][:rng.choice([5, 8, 13])]))
            limit = rng.choice([1, 5, 20, 100])
            params.append(("limit", str(limit)))
            matched = [c for c in allrec["citizen"] if c.get("nama") and c["nama"].split()[:len(lead)] == lead
                       and all(c.get("tanggal_lahir") == v for k, v in params if k == "tanggal_lahir")
                       and all((c.get("kode_wilayah") or "").startswith(v) for k, v in params if k == "kode_wilayah")]
            status, _, body = client.get("/v1/citizens?" + urllib.parse.urlencode(params), everything, "audit-uji")
            expected_audit += 1
            if status != 200:
                problems.append("/v1/citizens?%s: %d %s" % (urllib.parse.urlencode(params), status, body[:200]))
                continue
            page = json.loads(body)
            got_names = [c.get("nama") for c in page["citizens"]]
            got_niks = {c.get("nik") for c in page["citizens"]}
            want_niks = {c["nik"] for c in matched}
            if (len(page["citizens"]) != min(limit, len(matched)) or not got_niks <= want_niks or got_names != sorted(got_names)
                    or page["more"] != (len(matched) > limit)):
                problems.append("/v1/citizens?%s: %d citizens (more %s), %d match; names %s"
                                % (urllib.parse.urlencode(params), len(page["citizens"]), page["more"], len(matched), got_names[:4]))

        # Refusals: each a JSON error with its status; the personal ones and every refusal audited.
        some_nik = next((r["nik"] for r in allrec["citizen"] if r.get("nik")), "7571010101900001")
        ungranted_schema = next((n for n in schema_names if n not in grants), None)
        ungranted_field = next(((n, f) for n in sorted(grants) for f in sorted(fields[n])
                                if f not in grants[n] and fields[n][f].kind in ("text", "int") and f not in PROVENANCE), None)
        # (path, token, purpose, status); a refusal is audited on a personal-data route (docs/api.md, "The audit log").
        cases = [("/v1/records/permit", None, None, 401), ("/v1/records/permit", "smp_bukan_token", "layanan", 401),
                 ("/v1/records/permit", revoked, "layanan", 401), ("/v1/citizens/" + some_nik, partial, None, 403),
                 ("/v1/citizens/" + some_nik, partial, "pemasaran", 403), ("/v1/records/budget_line?foo=eq.1", plain, None, 400),
                 ("/v1/records/budget_line?tahun=like.20", plain, None, 400), ("/v1/records/budget_line?limit=1001", plain, None, 400),
                 ("/v1/records/budget_line?tahun=xx.1", plain, None, 400), ("/v1/records/citizen", plain, "anggaran", 403)]
        if ungranted_schema:
            cases.append(("/v1/records/" + ungranted_schema, partial, "layanan", 403))
        if ungranted_field:
            n, f = ungranted_field
            cases.append(("/v1/records/%s?%s=eq.1" % (n, f), partial, "layanan" if n in personal else None, 403))
            cases.append(("/v1/records/%s?order=%s.asc" % (n, f), partial, "layanan" if n in personal else None, 403))
        for path, token, purpose, status in cases:
            got, headers, body = client.get(path, token, purpose)
            try:
                err = json.loads(body).get("error", {})
            except ValueError:
                err = {}
            if got != status or not err.get("code") or not err.get("message"):
                problems.append("%s (token %s, purpose %s): %d %s, expected %d with a JSON error"
                                % (path, "yes" if token else "none", purpose, got, body[:120], status))
            route_personal = path.startswith("/v1/citizens") or path.split("?")[0].rsplit("/", 1)[-1] in personal
            if route_personal:
                expected_audit += 1

        # Citizen lookups as the partial OPD: the citizen cut to the grant.
        cgrant = grants.get("citizen")
        for r in rng.sample(allrec["citizen"], min(15, len(allrec["citizen"]))):
            if not r.get("nik"):
                continue
            status, _, body = client.get("/v1/citizens/" + r["nik"], partial, "statistik")
            expected_audit += 1
            if cgrant is None:
                if status != 403:
                    problems.append("/v1/citizens/%s without a citizen grant: %d" % (r["nik"], status))
                continue
            if status != 200:
                problems.append("/v1/citizens/%s: %d %s" % (r["nik"], status, body[:200]))
                continue
            c = json.loads(body).get("citizen") or {}
            extra = set(c) - cgrant
            if extra:
                problems.append("/v1/citizens/%s shows fields not granted: %s" % (r["nik"], sorted(extra)))
            # The registry is authoritative for these (docs/persons.md); other fields go by recency.
            for k in ("nama", "tanggal_lahir", "jenis_kelamin"):
                if k in cgrant and r.get(k) is not None and c.get(k) != r[k]:
                    problems.append("/v1/citizens/%s: %s %r, the registry record says %r" % (r["nik"], k, c.get(k), r[k]))

        time.sleep(0.5)
        audited = hub.audit_count() - audit_before
        if audited != expected_audit:
            problems.append("audit log: %d entries for %d personal reads and refusals" % (audited, expected_audit))

        # A server-sent event stream resumed after an event (Last-Event-ID): the events after it, in order, cut to the
        # grant (after the count above: a stream is audited per delivered batch).
        streamed = [n for n in sorted(grants) if len(allrec.get(n, [])) > 20]
        if streamed:
            n = rng.choice(streamed)
            start = rng.randint(0, 10)
            req = urllib.request.Request(client.base + "/v1/topics/records.%s/events" % n)
            req.add_header("Authorization", "Bearer " + partial)
            req.add_header("Accept", "text/event-stream")
            req.add_header("Last-Event-ID", str(start))
            if n in personal:
                req.add_header("X-Purpose", "layanan")
            ids, leaked = [], set()
            with urllib.request.urlopen(req, timeout=30) as stream:
                event = {}
                while len(ids) < 15:
                    line = stream.readline().decode("utf-8").rstrip("\n")
                    if line.startswith("id:"):
                        event["id"] = int(line[3:].strip())
                    elif line.startswith("data:"):
                        event["data"] = json.loads(line[5:].strip())
                    elif line == "" and "id" in event:
                        ids.append(event["id"])
                        # `data:` holds the event as the JSON pages give it: {"seq","key","at","data"}.
                        payload = event.get("data", {})
                        if payload.get("seq") != event["id"]:
                            problems.append("event stream records.%s: id %d carries seq %s" % (n, event["id"], payload.get("seq")))
                        leaked |= set(payload.get("data", {})) - grants[n]
                        event = {}
            if ids != list(range(start + 1, start + 16)):
                problems.append("event stream records.%s after %d: ids %s" % (n, start, ids))
            if leaked:
                problems.append("event stream records.%s: fields not granted: %s" % (n, sorted(leaked)))
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    # Personal data never in the server's log (requests named NIKs in paths and filters, refusals named them too).
    text = open(os.path.join(out, "serve.log"), encoding="utf-8", errors="replace").read()
    leaked = [c["nik"] for c in allrec.get("citizen", []) if c.get("nik") and c["nik"] in text]
    leaked += [c["nama"] for c in allrec.get("citizen", []) if len(c.get("nama") or "") >= 12 and c["nama"] in text]
    if leaked:
        problems.append("the server's log holds personal data: %d NIKs or names, e.g. %s…" % (len(leaked), leaked[0][:6]))

    print("held-out API, seed %d: %s records; %d record queries walked page by page, %d refusals, 15 citizen lookups; "
          "%d audit entries as expected" % (args.seed, "/".join("%d %s" % (len(allrec.get(n, [])), n) for n in schema_names),
                                           queries, len(cases), expected_audit))
    finish(problems, out, args.keep, "every answer as docs/api.md says")


if __name__ == "__main__":
    main()
