#!/usr/bin/env python3
"""SIMBG (Sistem Informasi Manajemen Bangunan Gedung) PBG applications -> Simpul, as an external connector.

Standard library only. Speaks the Simpul connector protocol (docs/connectors.md, "External connectors"):

    simbg_pbg.py spec
    simbg_pbg.py check    --config CONFIG.json
    simbg_pbg.py discover --config CONFIG.json
    simbg_pbg.py read     --config CONFIG.json [--state STATE.json]

Every line on stdout is one JSON message. Diagnostics go to stderr, never stdout.

It reads SIMBG's CSV history export (one line per version of an application), in the order of the cursor
(updated_at, id_pbg), and emits a STATE {"updated_at", "id_pbg"} after every `state_every` records and at the end.
Given a state, it emits only versions after that cursor, so an interrupted sync resumes where it stopped.
"""
import argparse
import csv
import json
import os
import sys
import time

STREAM = "pbg"
COLUMNS = ["id_pbg", "no_registrasi", "nama_pemilik", "nik_pemilik", "alamat_bangunan", "kode_wilayah",
           "fungsi_bangunan", "luas_bangunan_m2", "jumlah_lantai", "nilai_retribusi", "status", "tgl_permohonan",
           "tgl_terbit", "no_pbg", "updated_at"]

SPEC = {
    "type": "object",
    "required": ["export_path"],
    "additionalProperties": False,
    "properties": {
        "export_path": {"type": "string", "description": "SIMBG history export (CSV), relative to the connector folder"},
        "state_every": {"type": "integer", "minimum": 1, "description": "emit a STATE after this many records"},
        "delay_ms": {"type": "integer", "minimum": 0, "description": "pause after each record (demonstrations)"},
    },
}


def emit(message):
    sys.stdout.write(json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n")


def log(level, message):
    emit({"type": "LOG", "log": {"level": level, "message": message}})


def fail(message):
    emit({"type": "ERROR", "error": {"message": message}})
    sys.stdout.flush()
    sys.exit(1)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def open_export(config):
    path = config.get("export_path", "")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"export not found: {path}")
    f = open(path, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(f)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        f.close()
        raise ValueError("the export lacks columns: " + ", ".join(missing))
    return f, reader


def cursor(row):
    return (row.get("updated_at") or "", row.get("id_pbg") or "")


def read(config, state):
    every = int(config.get("state_every", 25))
    delay = int(config.get("delay_ms", 0)) / 1000.0
    try:
        f, reader = open_export(config)
    except (OSError, ValueError) as e:
        fail(str(e))
    with f:
        rows = sorted(reader, key=cursor)
    after = (state.get("updated_at", ""), state.get("id_pbg", "")) if state else None
    if after:
        rows = [r for r in rows if cursor(r) > after]
        log("INFO", f"resuming after {after[0]} {after[1]}: {len(rows)} version(s) to send")
    else:
        log("INFO", f"full read: {len(rows)} version(s)")
    sent = 0
    last = after
    now = int(time.time() * 1000)
    for row in rows:
        emit({"type": "RECORD", "record": {"stream": STREAM, "data": {c: row.get(c, "") for c in COLUMNS}, "emitted_at": now}})
        sent += 1
        last = cursor(row)
        if sent % every == 0:
            emit({"type": "STATE", "state": {"data": {"updated_at": last[0], "id_pbg": last[1]}}})
            sys.stdout.flush()
        if delay:
            sys.stdout.flush()
            time.sleep(delay)
    if last and sent % every != 0:
        emit({"type": "STATE", "state": {"data": {"updated_at": last[0], "id_pbg": last[1]}}})


def main():
    parser = argparse.ArgumentParser(description="SIMBG PBG connector for Simpul")
    parser.add_argument("verb", choices=["spec", "check", "discover", "read"])
    parser.add_argument("--config")
    parser.add_argument("--state")
    args = parser.parse_args()
    if args.verb == "spec":
        emit({"type": "SPEC", "spec": {"connectionSpecification": SPEC}})
        return
    if not args.config:
        fail(f"{args.verb} needs --config")
    config = load_json(args.config)
    if args.verb == "check":
        try:
            f, _ = open_export(config)
            f.close()
            emit({"type": "CONNECTION_STATUS", "connectionStatus": {"status": "SUCCEEDED", "message": "export readable"}})
        except (OSError, ValueError) as e:
            emit({"type": "CONNECTION_STATUS", "connectionStatus": {"status": "FAILED", "message": str(e)}})
    elif args.verb == "discover":
        schema = {"type": "object", "properties": {c: {"type": "string"} for c in COLUMNS}}
        emit({"type": "CATALOG", "catalog": {"streams": [{"name": STREAM, "json_schema": schema,
                                                          "supported_sync_modes": ["full_refresh", "incremental"],
                                                          "default_cursor_field": ["updated_at", "id_pbg"]}]}})
    else:
        state = load_json(args.state) if args.state else None
        read(config, state)


if __name__ == "__main__":
    main()
