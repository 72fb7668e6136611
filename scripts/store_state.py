"""A hub database's state, for the crash tests: current records and their content hash, versions, the raw log of
one connector (gap-free?), idempotency keys, mentions, the connector's saved state, integrity.
usage (as a module): state(path, connector) -> dict"""
import hashlib
import sqlite3


def state(path, connector):
    db = sqlite3.connect(path)
    h = hashlib.sha256()
    for key, data in db.execute("SELECT r.source_key, v.data FROM records r JOIN record_versions v ON v.id = r.version_id ORDER BY r.source_key"):
        h.update(key.encode()); h.update(b"\0"); h.update(data.encode()); h.update(b"\n")
    raw = [r[0] & ((1 << 40) - 1) for r in db.execute(
        "SELECT l.id FROM log l JOIN topics t ON l.id >> 40 = t.id WHERE t.name = ? ORDER BY l.id", ("raw." + connector,))]
    saved = db.execute("SELECT state FROM connector_state WHERE connector=?", (connector,)).fetchone() \
        if db.execute("SELECT count(*) FROM sqlite_master WHERE name='connector_state'").fetchone()[0] else None
    return {
        "records": db.execute("SELECT count(*) FROM records").fetchone()[0],
        "content": h.hexdigest(),
        "versions": db.execute("SELECT count(*) FROM record_versions").fetchone()[0],
        "raw": len(raw),
        "raw_gap_free": raw == list(range(1, len(raw) + 1)),
        "idem": db.execute("SELECT count(*) FROM raw_idem").fetchone()[0],
        "mentions": db.execute("SELECT count(*) FROM mentions").fetchone()[0],
        "state": saved[0] if saved else None,
        "integrity": db.execute("PRAGMA integrity_check").fetchone()[0],
    }
