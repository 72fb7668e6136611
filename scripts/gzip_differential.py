"""Random gzip files with CPython's verdicts, for GzipDifferentialTests (run by scripts/differential.sh gzip).

usage: gzip_differential.py COUNT SEED OUT_DIR

Writes OUT_DIR/NNNN.gz and OUT_DIR/cases.ndjson, one line per file: {"file", "ok", "size", "sha256"} where ok says
whether CPython's gzip module unpacks it, and size/sha256 describe what it unpacks to. The files: payloads of random
bytes, CSV-like exports and long repeats, compressed by zlib at every level and strategy (stored, fixed and dynamic
Huffman blocks, RLE, Huffman only), as one member or several, with optional header fields (name, comment, extra,
header CRC); and broken ones: cut short, a byte changed, a wrong CRC or size, garbage after the end. Then COUNT / 5
ZIP archives of one export (NNNNN.zip) in the shapes tools write, ZIP64 among them, each read by the ZIP reader.
"""
import gzip
import hashlib
import json
import os
import random
import struct
import sys
import zlib

COUNT, SEED, OUT = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(SEED)
os.makedirs(OUT, exist_ok=True)
NAMES = ["SITI AMINAH", "MUH. RIZAL HASAN", "ABDUL RAHMAN", "NUR AINI", "BUDI SANTOSO", "FITRIANI MOHAMAD"]


def payload():
    kind = rng.choice(["random", "csv", "repeat", "tiny", "mixed"])
    if kind == "random":
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 70000)))
    if kind == "csv":
        rows = ["NIK;NAMA_LGKP;TGL_LHR;ALAMAT"]
        for i in range(rng.randint(0, 3000)):
            rows.append(f"7571{rng.randint(0, 10**12 - 1):012d};{rng.choice(NAMES)};{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-19{rng.randint(40, 99)};JL. MAWAR NO. {i}")
        return ("\r\n".join(rows) + "\r\n").encode()
    if kind == "repeat":
        unit = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))
        return unit * rng.randint(1, 4000)
    if kind == "tiny":
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 3)))
    parts = [payload() for _ in range(rng.randint(1, 3))]
    return b"".join(parts)


def member(data):
    level = rng.randint(0, 9)
    strategy = rng.choice([zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED, zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED])
    c = zlib.compressobj(level, zlib.DEFLATED, -15, rng.randint(1, 9), strategy)
    # Flushes in the middle make empty stored blocks and block boundaries at odd places.
    body = b""
    pos = 0
    while pos < len(data):
        step = rng.randint(1, 1 << rng.randint(4, 17))
        body += c.compress(data[pos:pos + step])
        if rng.random() < 0.2:
            body += c.flush(rng.choice([zlib.Z_SYNC_FLUSH, zlib.Z_FULL_FLUSH]))
        pos += step
    body += c.flush()
    flags = 0
    extra = b""
    if rng.random() < 0.3:
        flags |= 4
        x = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 20)))
        extra += struct.pack("<H", len(x)) + x
    if rng.random() < 0.5:
        flags |= 8
        extra += rng.choice([b"biodata_2024-11.csv", b"x", b""]) + b"\0"
    if rng.random() < 0.2:
        flags |= 16
        extra += b"an export\0"
    head = b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", rng.getrandbits(32)) + b"\x00\x03" + extra
    if rng.random() < 0.2:
        head = head[:3] + bytes([flags | 2]) + head[4:]
        head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    return head + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def broken(blob):
    how = rng.choice(["cut", "flip", "crc", "size", "garbage", "zeros", "type3"])
    if how == "cut" and len(blob) > 1:
        return blob[:rng.randint(1, len(blob) - 1)]
    if how == "flip" and len(blob) > 10:
        i = rng.randint(10, len(blob) - 1)
        return blob[:i] + bytes([blob[i] ^ (1 << rng.randint(0, 7))]) + blob[i + 1:]
    if how == "crc":
        return blob[:-8] + struct.pack("<I", (struct.unpack("<I", blob[-8:-4])[0] + 1) & 0xFFFFFFFF) + blob[-4:]
    if how == "size":
        return blob[:-4] + struct.pack("<I", (struct.unpack("<I", blob[-4:])[0] + 1) & 0xFFFFFFFF)
    if how == "garbage":
        return blob + b"trailing text"
    if how == "zeros":
        return blob + b"\0" * rng.randint(1, 100)
    # A block header of the reserved type 3 at the start of the stream.
    return blob[:10] + bytes([0x07]) + blob[11:]


with open(os.path.join(OUT, "cases.ndjson"), "w") as cases:
    for n in range(COUNT):
        datas = [payload() for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        blob = b"".join(member(d) for d in datas)
        if rng.random() < 0.3:
            blob = broken(blob)
        try:
            got = gzip.decompress(blob)
            ok = True
        except Exception:
            got, ok = b"", False
        name = f"{n:05d}.gz"
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)
        cases.write(json.dumps({"file": name, "ok": ok, "size": len(got), "sha256": hashlib.sha256(got).hexdigest()}) + "\n")

# ZIP archives of one export as tools write them (CPython's zipfile): stored or DEFLATE at any level, written whole
# or streamed (sizes in a data descriptor after the data), ZIP64 forced (`force_zip64`: sizes in the ZIP64 extra
# fields), with an archive comment, an entry comment, extra fields of other tools, clutter beside the export
# (`__MACOSX/`, a folder). Each is valid: CPython reads the export back, and Simpul must read the same bytes.
ZIPS = max(1, COUNT // 5)


def zip_archive(data, zip64):
    """One archive of `data` as biodata.csv, in a shape drawn from rng; ZIP64 structures forced when `zip64`."""
    import io
    import zipfile
    buf = io.BytesIO()

    class Pipe(io.RawIOBase):
        """A stream that cannot seek (a pipe): zipfile then writes each entry's sizes in a data descriptor."""
        def writable(self): return True
        def write(self, b): return buf.write(b)

    method = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
    # ZIP64 structures in a small archive, as CPython's own tests make them: the limits lowered while writing, so the
    # export's sizes and offset go to ZIP64 extra fields and the end record to the ZIP64 one with its locator.
    saved = (zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT)
    if zip64:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = rng.choice([1, 100]), rng.choice([0, 1])
    try:
        target = Pipe() if rng.random() < 0.3 else buf
        with zipfile.ZipFile(target, "w", compression=method, compresslevel=rng.choice([None, 1, 6, 9]) if method else None) as z:
            if rng.random() < 0.3:
                z.writestr("__MACOSX/._biodata.csv", b"\0\5\x16\x07", compress_type=zipfile.ZIP_STORED)
            if rng.random() < 0.2 and not zip64:
                z.writestr("lampiran/", b"")
            info = zipfile.ZipInfo("biodata.csv", date_time=(2024, 11, 2, 8, 14, 54))
            info.compress_type = method
            if rng.random() < 0.3:
                info.extra = struct.pack("<HH", 0x5455, 5) + b"\x01" + struct.pack("<I", 1730535294)
            if rng.random() < 0.2:
                info.comment = b"ekspor SIAK"
            if zip64 or rng.random() < 0.5:
                with z.open(info, "w", force_zip64=zip64 or rng.random() < 0.5) as f:
                    f.write(data)
            else:
                z.writestr(info, data)
            if rng.random() < 0.2:
                z.comment = b"Dukcapil export"
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = saved
    return buf.getvalue()


with open(os.path.join(OUT, "cases.ndjson"), "a") as cases:
    import io
    import zipfile
    for n in range(ZIPS):
        blob = zip_archive(payload(), rng.random() < 0.4)
        got = zipfile.ZipFile(io.BytesIO(blob)).read("biodata.csv")
        name = f"{n:05d}.zip"
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)
        cases.write(json.dumps({"file": name, "ok": True, "size": len(got), "sha256": hashlib.sha256(got).hexdigest()}) + "\n")
print(f"gzip differential corpus: {COUNT} gzip files and {ZIPS} ZIP archives (seed {SEED})")
