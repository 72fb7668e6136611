// Random patterns in the ECMA-262 subset Simpul's schema validator supports (docs/schemas.md), random texts, and
// V8's answer for each (RegExp with the `u` flag, `test`: a search, as JSON Schema's `pattern` means): the reference
// SchemaRegex is compared with (`RegexDifferentialTests`, through scripts/differential.sh regex).
//
// usage: node regex_differential.js COUNT SEED OUT.ndjson
// One line per case: {"pattern", "text", "match": true|false}, or {"pattern", "invalid": true} when V8 refuses it.
"use strict";
const fs = require("fs");
const [count, seed, out] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];

let state = BigInt(seed) + 0x9e3779b97f4a7c15n;
function next() {  // SplitMix64
  state = (state + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
  let z = state;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
  return z ^ (z >> 31n);
}
const below = (n) => Number(next() % BigInt(n));
const pick = (a) => a[below(a.length)];

// Escapes the `u` flag allows outside a class (`\\-` is only allowed inside one; Simpul takes it as "-" anywhere).
const literals = ["a", "b", "c", "1", "9", "é", "😀", " ", "-", "_", "\\.", "\\(", "\\)", "\\[", "\\]", "\\{", "\\}",
                  "\\|", "\\*", "\\+", "\\?", "\\^", "\\$", "\\\\", "\\/", "\\n", "\\t", ".", "\\d", "\\D", "\\w", "\\W",
                  "\\s", "\\S", "X", "Z"];
const classItems = ["a", "b", "z", "0", "9", "é", "-", "_", ".", "a-c", "0-9", "A-Z", "x-z", "\\d", "\\w", "\\s", "\\-", "\\]", "\\\\"];
function atom(depth) {
  const k = below(10);
  if (k < 5 || depth > 2) return pick(literals);
  if (k < 7) {
    if (below(20) === 0) return pick(["[]", "[^]"]);
    let items = "";
    for (let i = 0; i < 1 + below(3); i++) items += pick(classItems);
    return (below(3) === 0 ? "[^" : "[") + items + "]";
  }
  return (below(2) === 0 ? "(" : "(?:") + alternation(depth + 1) + ")";
}
function quantified(depth) {
  const a = atom(depth);
  const q = pick(["", "", "", "*", "+", "?", "{2}", "{1,}", "{0,2}", "{1,3}"]);
  return a + q;
}
function sequence(depth) {
  let s = "";
  for (let i = 0; i < 1 + below(4); i++) s += quantified(depth);
  return s;
}
function alternation(depth) {
  let s = sequence(depth);
  while (below(4) === 0) s += "|" + sequence(depth);
  return s;
}
function pattern() {
  return (below(2) === 0 ? "^" : "") + alternation(0) + (below(2) === 0 ? "$" : "");
}
const alphabet = ["a", "b", "c", "1", "9", "é", "😀", " ", "-", "_", ".", "\n", "\t", "X", "Z", "(", ")", "[", "]", "\\", "\u2003", "\u00a0"];
function text() {
  let s = "";
  for (let i = 0; i < below(10); i++) s += pick(alphabet);
  return s;
}

const lines = [];
let invalid = 0;
for (let n = 0; n < count; n++) {
  const p = pattern();
  let re;
  try {
    re = new RegExp(p, "u");
  } catch (e) {
    invalid++;
    lines.push(JSON.stringify({ pattern: p, invalid: true }));
    continue;
  }
  for (let k = 0; k < 4; k++) {
    const t = text();
    lines.push(JSON.stringify({ pattern: p, text: t, match: re.test(t) }));
  }
}
fs.writeFileSync(out, lines.join("\n") + "\n");
console.log(`${count} patterns (seed ${seed}), ${invalid} refused by V8, ${lines.length - invalid} cases`);
