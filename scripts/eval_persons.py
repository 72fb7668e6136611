#!/usr/bin/env python3
"""Judge a `simpul persons export --format ndjson` against a corpus's truth, independently of the hub's code.

usage: eval_persons.py TRUTH.ndjson EXPORT.ndjson

TRUTH: one line per mention, {"key": mention key, "person": true person, "clash_with"?: registry mention key,
"name_only"?: true, "date_clash"?: true}. The last two mark mentions no matcher should link automatically: a record
with nothing but a name, and a record with its person's NIK but another birth date, not merely its day and month
swapped (a same-NIK clash, which must go to review). The script prints the highest recall reachable without linking them.
EXPORT: one line per person, {"person_id", "mentions": [{"key", ...}], "review"?: [...]} (ARCHITECTURE.md).

Prints pairwise precision, recall and F1 of the automatic and manual links (a mention in review, or missing from
the export, is a cluster of its own), the review queue, mentions missing from the export, mentions the export lists
that the truth does not know, and same-NIK clashes merged with the NIK's holder. Exits 1 if a clash was merged or
a mention is missing.
"""
import json
import sys
from collections import Counter


def pairs(n):
    return n * (n - 1) // 2


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 64
    truth, clashes, unlinkable, name_only = {}, {}, set(), set()
    with open(sys.argv[1]) as f:
        for line in f:
            t = json.loads(line)
            truth[t["key"]] = t["person"]
            if "clash_with" in t:
                clashes[t["key"]] = t["clash_with"]
            # A same-NIK birth-date clash must go to review: its pairs are out of reach of any automatic link.
            if t.get("date_clash"):
                unlinkable.add(t["key"])
            if t.get("name_only"):
                name_only.add(t["key"])
    cluster, review, unknown, twice = {}, set(), 0, 0
    candidates = {}  # mention in review → the persons it is listed under
    with open(sys.argv[2]) as f:
        for line in f:
            p = json.loads(line)
            for m in p.get("mentions", []):
                if m["key"] in cluster:
                    twice += 1
                cluster[m["key"]] = p["person_id"]
                unknown += m["key"] not in truth
            for m in p.get("review", []):
                key = m["key"] if isinstance(m, dict) else m
                review.add(key)
                candidates.setdefault(key, []).append(p["person_id"])
    missing = [k for k in truth if k not in cluster and k not in review]
    pred, true_sizes, both, linkable = Counter(), Counter(), Counter(), Counter()
    for k, person in truth.items():
        c = cluster.get(k, "single:" + k)
        pred[c] += 1
        true_sizes[person] += 1
        both[(c, person)] += 1
        linkable[person] += k not in unlinkable
    # After review: a steward accepts a candidate whose mentions are mostly the mention's own person, refuses others.
    members = {}
    for k, c in cluster.items():
        members.setdefault(c, Counter())[truth.get(k)] += 1
    after = dict(cluster)
    accepted = 0
    for k, cs in candidates.items():
        if k in cluster or k not in truth:
            continue
        right = [c for c in cs if c in members and members[c].most_common(1)[0][0] == truth[k]]
        if right:
            after[k] = right[0]
            accepted += 1
    both_after, pred_after = Counter(), Counter()
    for k, person in truth.items():
        c = after.get(k, "single:" + k)
        pred_after[c] += 1
        both_after[(c, person)] += 1
    tt = sum(pairs(n) for n in true_sizes.values())
    recall_after = sum(pairs(n) for n in both_after.values()) / tt if tt else 1.0
    tp = sum(pairs(n) for n in both.values())
    pp = sum(pairs(n) for n in pred.values())
    tt = sum(pairs(n) for n in true_sizes.values())
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    bound = sum(pairs(n) for n in linkable.values()) / tt if tt else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    merged = sum(1 for k, holder in clashes.items() if k in cluster and cluster.get(holder) == cluster[k])
    in_review = sum(1 for k in truth if k in review and k not in cluster)
    print(f"mentions  {len(truth)} of {len(true_sizes)} persons; export: {len(set(cluster.values()))} persons, "
          f"{len(cluster)} linked, {in_review} in review ({100 * in_review / max(1, len(truth)):.2f} %)")
    print(f"pairwise  precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f} "
          f"(true pairs {tt}, predicted {pp}, right {tp})")
    print(f"bound     recall {bound:.4f} at most without linking the {len(unlinkable)} mentions with their NIK and another "
          f"birth date (same-NIK clashes go to review); {len(name_only)} mentions carry only a name")
    print(f"review    recall {recall_after:.4f} after review ({accepted} of {in_review} review items have their true "
          f"person among the candidates)")
    print(f"clashes   {merged} of {len(clashes)} same-NIK clashes merged with the NIK's holder (goal 0)")
    print(f"missing   {len(missing)} mentions absent from the export" + (f" (e.g. {missing[:3]})" if missing else "")
          + f"; {unknown} keys not in the truth; {twice} listed twice")
    return 1 if merged or missing or twice else 0


if __name__ == "__main__":
    sys.exit(main())
