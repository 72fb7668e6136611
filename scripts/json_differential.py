#!/usr/bin/env python3
"""Random JSON texts, valid and broken, with CPython's `json` module's verdict on each: the reference Simpul's own
JSON parser is compared with (`JSONDifferentialTests`, through scripts/differential.sh json).

usage: json_differential.py COUNT SEED OUT.ndjson

One line per text: {"doc": base64 of the bytes, "ok": whether strict JSON accepts it, "canon": the value in a
canonical form (sorted keys, every non-ASCII character escaped, numbers as written) when it does}.

CPython is made strict where it is lenient by default: `NaN`/`Infinity` are refused; bytes are decoded as UTF-8
strictly, so invalid UTF-8 (overlong forms, encoded surrogates, beyond U+10FFFF) is refused before parsing.
Texts on which RFC 8259 leaves implementations free are left out, and counted: a `\\u` escape of an unpaired
surrogate (CPython keeps it, Simpul refuses it), nesting deeper than 200 (CPython allows about 1,000, Simpul 256),
and an object with two keys that differ only in Unicode normalisation (Swift strings compare canonically).
"""
import base64
import json
import random
import sys
import unicodedata

WORDS = ["id_permohonan", "nik_pemohon", "nama", "data", "items", "status", "retribusi", "é", "e\u0301", "ключ", "名前", "a", ""]
STRINGS = ["SITI AMINAH", "7571 0145 0490 0002", "7.57101E+15", "Rp 1.250.000,00", "", " ", "JOSÉ", "e\u0301",
           "naïve", "\u4e2d\u6587", "\U0001F600", "tab\tin", "quote\"in", "back\\slash", "/", "\u2028", "\x7f"]
NUMBERS = ["0", "-0", "1", "-1", "12345678901234567890123", "1.5", "-0.0", "1e5", "1E+5", "1e-5", "2.50", "0.1e1",
           "1e400", "-1e-400", "9007199254740993", "123.456e-7"]
# Byte-level damage, each a way real files go wrong.
BAD = [b",", b"]", b"}", b"[", b"{", b":", b"\"", b"\\", b"\\x", b"\\u12", b"\\uZZZZ", b"\\ud800", b"\\udc00",
       b"\\ud800\\u0041", b"\x00", b"\x01", b"\x1f", b"\t", b"\n", b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
       b"\xe2\x82", b"NaN", b"Infinity", b"-Infinity", b"tru", b"nul", b"01", b".5", b"1.", b"1e", b"+1", b"-", b"0x10",
       b"//c", b"/*c*/", b"\xef\xbb\xbf", b"'a'", b"\x0c", b"\x0b", b"\xc2\xa0", b" ", b"1 2", b"true false"]


def escape_str(s, rnd):
    out = []
    for ch in s:
        r = rnd.random()
        if ch in "\"\\" or ord(ch) < 0x20:
            out.append(json.dumps(ch)[1:-1])
        elif r < 0.15:
            cp = ord(ch)
            if cp > 0xFFFF:
                cp -= 0x10000
                out.append("\\u%04x\\u%04X" % (0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF)))
            else:
                out.append("\\u%04x" % cp if rnd.random() < 0.5 else "\\u%04X" % cp)
        elif r < 0.18 and ch == "/":
            out.append("\\/")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def ws(rnd):
    return "".join(rnd.choice(" \t\r\n") for _ in range(rnd.choice([0, 0, 0, 1, 2])))


def gen(rnd, depth):
    r = rnd.random()
    if depth > 4 or r < 0.45:
        k = rnd.random()
        if k < 0.35:
            return escape_str(rnd.choice(STRINGS + WORDS), rnd)
        if k < 0.7:
            return rnd.choice(NUMBERS)
        return rnd.choice(["true", "false", "null"])
    if r < 0.75:
        n = rnd.choice([0, 1, 2, 3, 5])
        return "{" + ws(rnd) + ("," + ws(rnd)).join(escape_str(rnd.choice(WORDS), rnd) + ws(rnd) + ":" + ws(rnd) + gen(rnd, depth + 1)
                                        for _ in range(n)) + ws(rnd) + "}"
    n = rnd.choice([0, 1, 2, 4])
    return "[" + ws(rnd) + ("," + ws(rnd)).join(gen(rnd, depth + 1) for _ in range(n)) + ws(rnd) + "]"


def damage(b, rnd):
    b = bytearray(b)
    for _ in range(rnd.choice([1, 1, 2, 3])):
        k = rnd.random()
        at = rnd.randrange(len(b) + 1)
        if k < 0.35:
            b[at:at] = rnd.choice(BAD)
        elif k < 0.6 and b:
            del b[at:at + rnd.choice([1, 1, 2, 5])]
        elif k < 0.8 and b:
            b = b[:at]  # truncated
        elif b:
            b[min(at, len(b) - 1)] = rnd.randrange(256)
    return bytes(b)


class Num(str):
    pass


class NormalisationClash(Exception):
    pass


def refuse_constant(name):
    raise ValueError("not JSON: " + name)


class LoneSurrogate(Exception):
    pass


def check_keys(pairs):
    # Checked on every pair, before a repeated key drops one: the text is what counts.
    if any(lone_surrogate(k) or lone_surrogate(v) for k, v in pairs):
        raise LoneSurrogate()
    keys = [k for k, _ in pairs]
    if len({unicodedata.normalize("NFC", k) for k in keys}) != len(set(keys)):
        raise NormalisationClash()
    return dict(pairs)


def canon(v):
    if isinstance(v, Num):
        return str(v)
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=True)
    if isinstance(v, list):
        return "[" + ",".join(canon(e) for e in v) + "]"
    return "{" + ",".join(json.dumps(k, ensure_ascii=True) + ":" + canon(v[k]) for k in sorted(v)) + "}"


def lone_surrogate(v):
    if isinstance(v, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, list):
        return any(lone_surrogate(e) for e in v)
    if isinstance(v, dict):
        return any(lone_surrogate(k) or lone_surrogate(e) for k, e in v.items())
    return False


def depth(b):
    d = m = 0
    for c in b:
        if c in b"[{":
            d += 1
            m = max(m, d)
        elif c in b"]}":
            d -= 1
    return m


def main():
    count, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(seed)
    left_out = {"unpaired surrogate escape": 0, "deeper than 200": 0, "keys equal under normalisation": 0}
    kept = accepted = 0
    with open(out, "w") as f:
        while kept < count:
            doc = (ws(rnd) + gen(rnd, 0) + ws(rnd)).encode("utf-8", "surrogatepass")
            if rnd.random() < 0.6:
                doc = damage(doc, rnd)
            if rnd.random() < 0.02:
                doc = b"[" * rnd.choice([199, 255, 256, 300]) + b"]" * rnd.choice([199, 255, 256, 300])
            if depth(doc) > 200:
                left_out["deeper than 200"] += 1
                continue
            try:
                text = doc.decode("utf-8")
                value = json.loads(text, parse_constant=refuse_constant, parse_int=Num, parse_float=Num,
                                   object_pairs_hook=check_keys)
                ok, c = True, None
            except LoneSurrogate:
                left_out["unpaired surrogate escape"] += 1
                continue
            except NormalisationClash:
                left_out["keys equal under normalisation"] += 1
                continue
            except (ValueError, RecursionError):
                ok, value = False, None
            if ok and lone_surrogate(value):
                left_out["unpaired surrogate escape"] += 1
                continue
            c = canon(value) if ok else None
            accepted += ok
            kept += 1
            f.write(json.dumps({"doc": base64.b64encode(doc).decode(), "ok": ok, "canon": c}) + "\n")
    print(f"{count} texts (seed {seed}): {accepted} valid JSON, {count - accepted} not; left out: "
          + ", ".join(f"{n} {k}" for k, n in left_out.items()))


if __name__ == "__main__":
    main()
