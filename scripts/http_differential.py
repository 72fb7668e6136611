#!/usr/bin/env python3
"""Random HTTP/1.1 requests, well-formed and broken, with h11's reading of each: the reference Simpul's request
parser is compared with (`HTTPDifferentialTests`, through scripts/differential.sh http). h11 (PyPI) is a strict
implementation of RFC 9112's message syntax.

usage: http_differential.py COUNT SEED OUT.ndjson      (run with a Python that has h11)

One line per request: {"bytes": base64, "h11": "request" | "incomplete" | "error", and for a request: method,
target, version, headers [[name, value]], body (base64), consumed (bytes up to the end of the first request)}.
The mutations are the ones request smuggling and sloppy clients use: Content-Length with Transfer-Encoding, two
Content-Lengths, a list of them, signs and spaces in them, other transfer codings, obsolete line folding, a space
before the colon, bare LF and bare CR, control characters, chunk sizes that are not hex or overflow, chunk
extensions and trailers, missing or doubled Host, other HTTP versions, truncation.
"""
import base64
import json
import random
import sys

import h11

METHODS = [b"GET", b"POST", b"PUT", b"HEAD", b"OPTIONS", b"DELETE", b"PATCH", b"G(ET", b"get", b""]
TARGETS = [b"/", b"/v1/citizens/7571014504900002", b"/v1/records/permit?status=eq.Selesai&limit=10", b"*",
           b"http://hub.example/v1/x", b"/a%20b", b"/\xc3\xa9", b"/a b", b"noslash", b"/a\x7f"]
VERSIONS = [b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.2", b"HTTP/1", b"http/1.1"]
NAMES = [b"Accept", b"Authorization", b"X-Purpose", b"User-Agent", b"X-Empty", b"Connection", b"Expect", b"X:Colon",
         b"Bad Name", b"X-\xc3\xa9", b"X-Tab\t"]
VALUES = [b"*/*", b"Bearer smp_abc", b"layanan", b"", b"  padded  ", b"keep-alive", b"close", b"100-continue",
          b"a\x00b", b"a\rb", b"caf\xc3\xa9", b"\xff", b"a\tb"]


def body_and_framing(rnd):
    body = bytes(rnd.choice(b"abcdefgh{}\":,0123456789") for _ in range(rnd.choice([0, 1, 5, 17, 40])))
    k = rnd.random()
    if k < 0.35:
        return [(b"Content-Length", str(len(body)).encode())], body
    if k < 0.65:
        chunks, rest = [], body
        while rest:
            n = rnd.randint(1, len(rest))
            size = b"%x" % n if rnd.random() < 0.5 else b"%X" % n
            if rnd.random() < 0.04:  # sizes a lax reader misreads: a sign, a blank inside or around, 0x, overflow
                size = rnd.choice([b"-1", b"+%x" % n, b"%x 0" % n, b"0x%x" % n, b" %x" % n, b"%x " % n, b"f" * 17])
            ext = rnd.choice([b"", b"", b";name=value", b" ;x", b";x=\"q\""])
            chunks.append(size + ext + b"\r\n" + rest[:n] + b"\r\n")
            rest = rest[n:]
        trailer = rnd.choice([b"", b"", b"X-Trailer: 1\r\n"])
        return [(b"Transfer-Encoding", rnd.choice([b"chunked", b"chunked", b"Chunked"]))], b"".join(chunks) + b"0\r\n" + trailer + b"\r\n"
    if k < 0.75:
        return [(b"Transfer-Encoding", b"chunked"), (b"Content-Length", str(len(body)).encode())], b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n" if body else b"0\r\n\r\n"
    if k < 0.85:
        n = str(len(body)).encode()
        return [(b"Content-Length", rnd.choice([n, b"+" + n, b" " + n, n + b", " + n, n + b",9", b"-1", b"0x10", b"99999999999999999999"])),
                (b"Content-Length", rnd.choice([n, n, b"7"]))], body
    if k < 0.9:
        return [(b"Transfer-Encoding", rnd.choice([b"gzip, chunked", b"chunked, identity", b"identity", b"chunked, chunked", b"xchunked"]))], b"0\r\n\r\n"
    return [], b""


def request(rnd):
    method = rnd.choice(METHODS[:6]) if rnd.random() < 0.9 else rnd.choice(METHODS)
    target = rnd.choice(TARGETS[:3]) if rnd.random() < 0.8 else rnd.choice(TARGETS)
    version = rnd.choice(VERSIONS[:4]) if rnd.random() < 0.9 else rnd.choice(VERSIONS)
    headers = []
    if rnd.random() < 0.95:
        headers.append((b"Host", rnd.choice([b"hub.example", b"127.0.0.1:8080", b""])))
    if rnd.random() < 0.05:
        headers.append((b"Host", b"other.example"))
    for _ in range(rnd.choice([0, 1, 2, 3])):
        headers.append((rnd.choice(NAMES[:7]) if rnd.random() < 0.85 else rnd.choice(NAMES),
                        rnd.choice(VALUES[:8]) if rnd.random() < 0.85 else rnd.choice(VALUES)))
    framing, body = body_and_framing(rnd) if method in (b"POST", b"PUT", b"PATCH") or rnd.random() < 0.1 else ([], b"")
    headers += framing
    rnd.shuffle(headers)
    nl = b"\r\n" if rnd.random() < 0.9 else b"\n"
    lines = [method + b" " + target + b" " + version]
    for n, v in headers:
        sep = rnd.choice([b": ", b": ", b":", b":\t"]) if rnd.random() < 0.97 else b" : "
        lines.append(n + sep + v)
    if rnd.random() < 0.05:
        lines.insert(rnd.randrange(2, len(lines) + 1) if len(lines) > 1 else 1, rnd.choice([b" folded", b"\tfolded"]))
    data = nl.join(lines) + nl + nl + body
    if rnd.random() < 0.03:
        data = b"\r\n" + data
    if rnd.random() < 0.15:
        data += b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n"  # a pipelined second request
    if rnd.random() < 0.12:
        b = bytearray(data)
        k = rnd.random()
        at = rnd.randrange(len(b))
        if k < 0.4:
            b = b[:at]
        elif k < 0.7:
            b[at:at] = rnd.choice([b"\r", b"\n", b" ", b"\x00", b":", b"\r\n", b"\x7f"])
        else:
            del b[at]
        data = bytes(b)
    return data


def h11_reading(data):
    if not data:  # h11 reads empty data as the peer closing
        return {"h11": "incomplete"}
    c = h11.Connection(h11.SERVER)
    c.receive_data(data)
    out = {}
    body = b""
    try:
        while True:
            e = c.next_event()
            if e is h11.NEED_DATA:
                return {"h11": "incomplete"}
            if e is h11.PAUSED or isinstance(e, h11.ConnectionClosed):  # an Upgrade or CONNECT request
                return {"h11": "paused"}
            if isinstance(e, h11.Request):
                out = {"method": e.method.decode("latin-1"), "target": e.target.decode("utf-8", "replace"),
                       "version": "HTTP/" + e.http_version.decode(),
                       "headers": [[n.decode("latin-1"), v.decode("utf-8", "replace")] for n, v in e.headers.raw_items()]}
                out["headers"] = [[n.lower(), v] for n, v in out["headers"]]
            elif isinstance(e, h11.Data):
                body += e.data
            elif isinstance(e, h11.EndOfMessage):
                out.update({"h11": "request", "body": base64.b64encode(body).decode(),
                            "consumed": len(data) - len(c.trailing_data[0])})
                return out
    except h11.RemoteProtocolError as err:
        return {"h11": "error", "why": str(err)}


def main():
    count, seed, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(seed)
    kinds = {}
    with open(path, "w") as f:
        for _ in range(count):
            data = request(rnd)
            r = h11_reading(data)
            kinds[r["h11"]] = kinds.get(r["h11"], 0) + 1
            r["bytes"] = base64.b64encode(data).decode()
            f.write(json.dumps(r) + "\n")
    print(f"{count} requests (seed {seed}), h11: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))


if __name__ == "__main__":
    main()
