/// The files `simpul connector new NAME --kind files|http|external` writes. Each scaffold passes
/// `simpul connector test` as written, so an author starts from green and changes one thing at a time.
enum ConnectorTemplates {
    static func mapping(_ schema: String, rowKey: String, nik: String, nama: String, tgl: String) -> String {
        """
          "row_key": "{@\(rowKey)}",
          "outputs": [
            {
              "schema": "\(schema)",
              "source_key": "{$row_key}",
              "fields": {
                "nik": {"from": "\(nik)", "transform": ["string", "nik"]},
                "nama": {"from": "\(nama)", "transform": {"name": {"titles_to": "gelar"}}},
                "tanggal_lahir": {"from": "\(tgl)", "transform": "date"}
              }
            }
          ],
          "mentions": [
            {"output": "\(schema)", "key": "{$row_key}", "fields": {"nik": "nik", "nama": "nama", "tanggal_lahir": "tanggal_lahir"}}
          ]
        """
    }

    static func files(_ name: String, _ schema: String) -> [String: String] {
        [
            "connector.json": """
                {
                  "name": "\(name)",
                  "source_system": "…the system's name…",
                  "description": "…what one file or pushed body holds…",
                  "input": {"format": "csv", "delimiter": ";"},
                \(mapping(schema, rowKey: "ID", nik: "NIK", nama: "NAMA", tgl: "TGL_LAHIR"))
                }

                """,
            "samples/example.csv": "ID;NIK;NAMA;TGL_LAHIR\nP-0001;7571014504900002;Hj. Siti Aminah;05-04-1990\n",
        ]
    }

    static func http(_ name: String, _ schema: String) -> [String: String] {
        let env = name.uppercased().replacingOccurrences(of: "-", with: "_") + "_API_URL"
        return [
            "connector.json": """
                {
                  "name": "\(name)",
                  "source_system": "…the system's name…",
                  "description": "…the API: one page of records per request…",
                  "input": {"format": "json", "records": "data"},
                  "source": {
                    "type": "http",
                    "url": "${\(env)}/api/records",
                    "pagination": {"type": "page", "param": "page", "size_param": "per_page", "size": 100},
                    "incremental": {"field": "updated_at", "param": "updated_since"},
                    "retries": 4, "backoff_seconds": 1, "timeout_seconds": 30
                  },
                  "schedule": {"every": "1h"},
                \(mapping(schema, rowKey: "id", nik: "nik", nama: "nama", tgl: "tgl_lahir"))
                }

                """,
            "samples/page1.json": """
                {"data": [
                  {"id": 1, "nik": "7571014504900002", "nama": "Hj. Siti Aminah", "tgl_lahir": "1990-04-05", "updated_at": "2024-11-02 08:14:55"}
                ]}

                """,
        ]
    }

    static func external(_ name: String, _ schema: String) -> [String: String] {
        [
            "connector.json": """
                {
                  "name": "\(name)",
                  "source_system": "…the system's name…",
                  "description": "…what the program reads, and how it resumes…",
                  "source": {
                    "type": "external",
                    "command": ["python3", "connector.py"],
                    "config": {"export_path": "samples/example.csv", "state_every": 2},
                    "streams": ["records"]
                  },
                \(mapping(schema, rowKey: "id", nik: "nik", nama: "nama", tgl: "tgl_lahir"))
                }

                """,
            "samples/example.csv": """
                id,updated_at,nik,nama,tgl_lahir
                1,2024-11-02 08:14:55,7571014504900002,Hj. Siti Aminah,05-04-1990
                2,2024-11-02 08:15:10,7571011203880001,Muh. Rizal Hasan,12-03-1988
                3,2024-11-03 10:00:00,7571036102920002,Maria Ulfa Pakaya,21-02-1992
                4,2024-11-04 09:30:00,7501044411720003,Rahma Badu,04-11-1972

                """,
            "connector.py": #"""
                #!/usr/bin/env python3
                """An external Simpul connector (docs/connectors.md, "External connectors"). Standard library only.

                Replace read_rows() with what your source needs (a database query, an API, a file share); keep the rules:
                every stdout line is one JSON message; emit a STATE only for a position whose records were printed; given a
                state, send only what comes after it.
                """
                import argparse, csv, json, sys

                STREAM = "records"
                SPEC = {"type": "object", "required": ["export_path"], "properties": {
                    "export_path": {"type": "string"}, "state_every": {"type": "integer", "minimum": 1}}}


                def emit(m):
                    sys.stdout.write(json.dumps(m, ensure_ascii=False, separators=(",", ":")) + "\n")


                def read_rows(config):
                    with open(config["export_path"], encoding="utf-8-sig", newline="") as f:
                        return list(csv.DictReader(f))


                def cursor(row):
                    return (row.get("updated_at", ""), row.get("id", ""))


                def main():
                    p = argparse.ArgumentParser()
                    p.add_argument("verb", choices=["spec", "check", "discover", "read"])
                    p.add_argument("--config")
                    p.add_argument("--state")
                    a = p.parse_args()
                    if a.verb == "spec":
                        return emit({"type": "SPEC", "spec": {"connectionSpecification": SPEC}})
                    config = json.load(open(a.config))
                    if a.verb == "check":
                        try:
                            read_rows(config)
                            emit({"type": "CONNECTION_STATUS", "connectionStatus": {"status": "SUCCEEDED"}})
                        except OSError as e:
                            emit({"type": "CONNECTION_STATUS", "connectionStatus": {"status": "FAILED", "message": str(e)}})
                        return
                    if a.verb == "discover":
                        return emit({"type": "CATALOG", "catalog": {"streams": [{"name": STREAM, "json_schema": {"type": "object"}}]}})
                    state = json.load(open(a.state)) if a.state else None
                    after = (state["updated_at"], state["id"]) if state else None
                    try:
                        rows = sorted(read_rows(config), key=cursor)
                    except OSError as e:
                        emit({"type": "ERROR", "error": {"message": str(e)}})
                        sys.exit(1)
                    every, sent, last = int(config.get("state_every", 1000)), 0, None
                    for row in rows:
                        if after and cursor(row) <= after:
                            continue
                        emit({"type": "RECORD", "record": {"stream": STREAM, "data": row}})
                        sent, last = sent + 1, cursor(row)
                        if sent % every == 0:
                            emit({"type": "STATE", "state": {"data": {"updated_at": last[0], "id": last[1]}}})
                    if last and sent % every:
                        emit({"type": "STATE", "state": {"data": {"updated_at": last[0], "id": last[1]}}})


                if __name__ == "__main__":
                    main()

                """#,
        ]
    }
}
