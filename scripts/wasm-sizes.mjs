// What fills a WASM bundle, by crate: code (function bodies, from the name
// section) and data (rodata and statics), a small stand-in for twiggy.
// Reads the wasm-bindgen output before wasm-opt (which strips the names), so
// the figures are larger than what ships; the shares are what matter.
//
//   node scripts/wasm-sizes.mjs dist/.stage/sothon_bg.wasm [top]
//   LIST=1 node scripts/wasm-sizes.mjs FILE > fns.tsv   (every function)
import { readFileSync } from "node:fs";

const [file = "dist/.stage/sothon_bg.wasm", top = "20"] = process.argv.slice(2);
const buf = readFileSync(file);
let pos = 8;
const u32 = () => {
  let r = 0, shift = 0, b;
  do {
    b = buf[pos++];
    r |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return r >>> 0;
};
const str = () => {
  const n = u32();
  const s = buf.toString("utf8", pos, pos + n);
  pos += n;
  return s;
};

const sections = {};
let imports = 0;
const bodies = []; // sizes of defined functions, in order
const names = new Map(); // function index → name
let dataBytes = 0;
while (pos < buf.length) {
  const id = buf[pos++];
  const size = u32();
  const end = pos + size;
  let label = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount"][id] ?? `#${id}`;
  if (id === 0) {
    const name = str();
    label = `custom ${name}`;
    if (name === "name") {
      while (pos < end) {
        const sub = buf[pos++];
        const len = u32();
        const subEnd = pos + len;
        if (sub === 1) for (let n = u32(); n > 0; n--) names.set(u32(), str());
        pos = subEnd;
      }
    }
  } else if (id === 2) {
    for (let n = u32(); n > 0; n--) {
      str();
      str();
      const kind = buf[pos++];
      if (kind === 0) { u32(); imports++; }
      else if (kind === 1) { pos++; const f = buf[pos++]; u32(); if (f & 1) u32(); }
      else if (kind === 2) { const f = buf[pos++]; u32(); if (f & 1) u32(); }
      else if (kind === 3) pos += 2;
    }
  } else if (id === 10) {
    for (let n = u32(); n > 0; n--) {
      const len = u32();
      bodies.push(len);
      pos += len;
    }
  } else if (id === 11) {
    dataBytes = size;
  }
  sections[label] = (sections[label] ?? 0) + size;
  pos = end;
}

// The crate a demangled symbol belongs to: the first path segment, or the
// implementing type's for `<T as Trait>::f`.
function crateOf(name) {
  let s = name ?? "?";
  while (/^(<|&|mut |dyn |\*const |\*mut )/.test(s)) s = s.replace(/^(<|&|mut |dyn |\*const |\*mut )/, "");
  // `<T as some_crate::Trait>::f` with T a generic parameter: the trait's crate.
  const generic = s.match(/^[A-Z]\w{0,2} as (.*)$/);
  if (generic) return crateOf(generic[1]);
  const m = s.match(/^([A-Za-z_][A-Za-z0-9_]*)(\[[0-9a-f]+\])?(::|$|<| |>)/);
  if (!m) return "(other)";
  if (["alloc", "core", "std", "dlmalloc", "str", "usize", "isize", "u8", "u16", "u32", "u64", "i32", "i64", "f64"].includes(m[1])) return "std/core/alloc";
  return m[1];
}
const byCrate = new Map();
const fns = [];
bodies.forEach((len, i) => {
  const name = names.get(imports + i);
  fns.push([len, name ?? `func ${imports + i}`]);
  const c = crateOf(name);
  byCrate.set(c, (byCrate.get(c) ?? 0) + len);
});

// LIST=1: every function, "bytes<TAB>name", to diff two builds.
if (process.env.LIST) {
  for (const [len, name] of fns) console.log(`${len}\t${name}`);
  process.exit(0);
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(10);
const total = buf.length;
const code = bodies.reduce((a, b) => a + b, 0);
console.log(`${file}: ${kb(total).trim()}`);
for (const [k, v] of Object.entries(sections).sort((a, b) => b[1] - a[1])) console.log(`  ${k.padEnd(28)}${kb(v)}`);
console.log(`code by crate (top ${top}):`);
for (const [c, v] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
  console.log(`  ${c.padEnd(28)}${kb(v)}${((100 * v) / code).toFixed(1).padStart(6)} % of code`);
}
console.log(`largest functions (top ${top}):`);
for (const [len, name] of fns.sort((a, b) => b[0] - a[0]).slice(0, Number(top))) console.log(`  ${kb(len)}  ${name.slice(0, 110)}`);
if (dataBytes) console.log(`data section (rodata, statics): ${kb(dataBytes).trim()}`);
