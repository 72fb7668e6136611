#!/usr/bin/env python3
"""Random CSV exports and CPython's `csv` module's reading of each: the reference Simpul's CSV reader is compared
with (`CSVDifferentialTests`, through scripts/differential.sh csv).

usage: csv_differential.py COUNT SEED DIR

Writes DIR/<n>.csv and DIR/cases.ndjson, one line per file: {"file", "delimiter", "rows": every record CPython's
csv.reader reads after the header, as lists of strings, blank lines left out}. The files are what real exports
look like: `;` or `,` between fields, quotes around some fields or all, `""` inside quotes, quoted delimiters and
line breaks, CRLF or LF (mixed too), a UTF-8 BOM or not, a last line with or without its line break, text beyond
ASCII, empty fields and blank lines, a quote inside an unquoted field. Every record has the header's number of
fields.
"""
import csv
import io
import json
import random
import sys

VALUES = ["7571014504900002", "SITI AMINAH", "JL. PANJAITAN NO. 12", 'JL. "MAWAR" 5', "", " ", "05-04-1990", "1.250.000,00", "JOSÉ",
          "Ñ", "\u4e2d\u6587", "\U0001F600", "a;b", "a,b", 'kata "kutip"', '"', '""', "baris\nbaru", "baris\r\nbaru",
          "\r", "x" * 300, "2024-11-02 08:14:55", "0", "-", "'", "\t", "akhir "]


def field(v, delim, rnd, always):
    if '"' in v and not v.startswith('"') and not (delim in v or "\n" in v or "\r" in v) and rnd.random() < 0.5:
        return v  # a quote inside an unquoted field (`JL. "MAWAR"`), as hand-made exports have: a plain character
    needs = delim in v or '"' in v or "\n" in v or "\r" in v
    if needs or always or rnd.random() < 0.2:
        return '"' + v.replace('"', '""') + '"'
    return v


def main():
    count, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(seed)
    rows_total = 0
    with open(f"{out}/cases.ndjson", "w") as manifest:
        for n in range(count):
            delim = rnd.choice([";", ","])
            always = rnd.random() < 0.3  # SIPD quotes every field
            ncols = rnd.randint(1, 8)
            header = [f"KOL_{k}" if rnd.random() < 0.8 else f"Kolom é {k}" for k in range(ncols)]
            text = delim.join(field(h, delim, rnd, always) for h in header)
            for _ in range(rnd.randint(0, 12)):
                nl = rnd.choice(["\r\n", "\n"])
                text += nl
                if rnd.random() < 0.08:
                    text += nl  # a blank line
                text += delim.join(field(rnd.choice(VALUES), delim, rnd, always) for _ in range(ncols))
            if rnd.random() < 0.6:
                text += rnd.choice(["\r\n", "\n"])
            data = text.encode("utf-8")
            if rnd.random() < 0.3:
                data = b"\xef\xbb\xbf" + data
            with open(f"{out}/{n}.csv", "wb") as f:
                f.write(data)
            got = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delim, strict=True))
            body = [r for r in got[1:] if r != []]
            assert got[0] == header, (n, got[0], header)
            rows_total += len(body)
            manifest.write(json.dumps({"file": f"{n}.csv", "delimiter": delim, "header": header, "rows": body}) + "\n")
    print(f"{count} CSV files (seed {seed}), {rows_total} records")


if __name__ == "__main__":
    main()
