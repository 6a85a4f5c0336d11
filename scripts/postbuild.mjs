// Assembles dist/ from the optimised wasm-bindgen output: content-hashed
// assets, index.html pointing at them, a service worker whose cache name is
// derived from the build's content, and .br/.gz copies of every text asset
// (compressed once here, never per request). Prints the first-load sizes.
//
//   node scripts/postbuild.mjs <stage dir> <dist dir> [--dev]
//
// --dev (make dev): no precompression, and a service worker that asks the
// network first, so a reload shows the new build.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { transformSync } from "esbuild";

const [stage = "dist/.stage", dist = "dist", mode] = process.argv.slice(2);
const dev = mode === "--dev";
const hash = (buf) => createHash("sha256").update(buf).digest("hex").slice(0, 12);
// What ships of the JS glue and the chunk loader is minified (esbuild:
// whitespace, comments, local names; imports, exports and the WASM's import
// names stay): 2 KB less of the first download, brotli. After every rewrite
// below, which reads the text as wasm-bindgen wrote it; names are hashed
// from that text too. Not the service worker: it is small, and tests read it.
const minify = (code) => (dev ? code : transformSync(code, { minify: true, loader: "js" }).code);

for (const f of readdirSync(dist)) if (f !== ".stage") rmSync(join(dist, f), { recursive: true, force: true });
mkdirSync(join(dist, "assets"), { recursive: true });
mkdirSync(join(dist, "icons"), { recursive: true });

// One stylesheet: main.css first, then the other style/*.css (by name), so an
// area's rules (e.g. reports.css: charts, the print layout) live in its own file.
const styles = ["main.css", ...readdirSync("style").filter((f) => f.endsWith(".css") && f !== "main.css").sort()];
const css = Buffer.concat(styles.map((f) => readFileSync(join("style", f))));
const cssName = `app-${hash(css)}.css`;
writeFileSync(join(dist, "assets", cssName), css);

// The report catalogue: the village bundle does not carry it (the office's
// does); its page names the file, and the service worker keeps it with the
// screens. Whitespace dropped; the text is otherwise the server's.
const catalogue = Buffer.from(JSON.stringify(JSON.parse(readFileSync("crates/domain/data/catalogue.json", "utf8"))));
const catalogueName = `catalogue-${hash(catalogue)}.json`;
writeFileSync(join(dist, "assets", catalogueName), catalogue);

// Each bundle: hashed JS glue and WASM, its chunks when it was split
// (scripts/build-web.sh), and its page from the index.html template.
//
// A split bundle's glue imports the chunk loader (`__wasm_split.js`), which
// imports the glue back and fetches the chunks by relative name. Every name
// carries the hash of what can change the file: a chunk its bytes, the glue
// its own text, its WASM and the loader's (chunk names resolved), the loader
// its final text. So an update fetches only the parts that changed.
function bundle(name, page) {
  let js = readFileSync(join(stage, `${name}.js`), "utf8");
  const wasm = readFileSync(join(stage, `${name}_bg.opt.wasm`));
  const names = { JS: "", WASM: `${name}-${hash(wasm)}_bg.wasm`, CSS: cssName };
  const chunks = [];
  const splitDir = join(stage, `${name}.split`);
  let preload = "";
  if (existsSync(join(splitDir, "__wasm_split.js"))) {
    let loader = readFileSync(join(splitDir, "__wasm_split.js"), "utf8");
    for (const f of readdirSync(splitDir).filter((f) => f.endsWith(".wasm")).sort()) {
      const bytes = readFileSync(join(splitDir, f));
      const hashed = `${name}-${f.replace(/\.wasm$/, "")}-${hash(bytes)}.wasm`;
      const ref = `"./${f}"`;
      if (!loader.includes(ref)) throw new Error(`${name}: the chunk loader does not name ${f}`);
      loader = loader.replaceAll(ref, `"./${hashed}"`);
      writeFileSync(join(dist, "assets", hashed), bytes);
      chunks.push(hashed);
    }
    const glueRef = `"./${name}.js"`;
    // Only the import statements: the WASM's import module keeps its name.
    const loaderRef = /from (["'])\.\/__wasm_split\.js\1/g;
    if (!loader.includes(glueRef) || !loaderRef.test(js)) throw new Error(`${name}: glue and chunk loader do not name each other`);
    // (This script's own text too: it decides the rewritten glue.)
    names.JS = `${name}-${hash(js + hash(wasm) + loader + readFileSync(new URL(import.meta.url)))}.js`;
    loader = loader.replaceAll(glueRef, `"./${names.JS}"`);
    names.SPLIT = `${name}-loader-${hash(loader)}.js`;
    js = js.replace(loaderRef, `from "./${names.SPLIT}"`);
    writeFileSync(join(dist, "assets", names.SPLIT), minify(loader));
    // The glue imports the loader: fetch both at once, not one after the other.
    preload = `<link rel="modulepreload" href="/assets/${names.SPLIT}">`;
  } else {
    names.JS = `${name}-${hash(js)}.js`;
  }
  writeFileSync(join(dist, "assets", names.JS), minify(js));
  writeFileSync(join(dist, "assets", names.WASM), wasm);
  let html = readFileSync("index.html", "utf8").replace("{{PRELOAD}}", preload).replace("{{CATALOGUE}}", catalogueName);
  for (const [k, v] of Object.entries(names)) html = html.replaceAll(`{{${k}}}`, v);
  if (html.includes("{{")) throw new Error("index.html has an unfilled placeholder");
  writeFileSync(join(dist, page), html);
  return { names, html, chunks };
}
const village = bundle("sothon", "index.html");
village.chunks.push(catalogueName);
const office = bundle("sothon_office", "office.html");
const names = village.names;
const html = village.html + office.html;
copyFileSync("public/manifest.webmanifest", join(dist, "manifest.webmanifest"));
const icons = readdirSync("public/icons");
for (const f of icons) copyFileSync(join("public/icons", f), join(dist, "icons", f));

// What the service worker keeps for each app: its page and its hashed
// assets (the CSS is shared). Icons and the manifest are not listed per app.
// `chunks`: the screens fetched on first use, which the worker fetches too
// (once the shell is kept), so that every screen opens offline afterwards.
const assetsOf = (n) => Object.values(n).map((f) => `/assets/${f}`);
const chunksOf = (b) => b.chunks.map((f) => `/assets/${f}`);
const apps = {
  village: { page: "/", assets: assetsOf(names), chunks: chunksOf(village) },
  office: { page: "/office.html", assets: assetsOf(office.names), chunks: chunksOf(office) },
};
const manifest = readFileSync("public/manifest.webmanifest");
const swTemplate = readFileSync("public/sw.js", "utf8");
const build = hash(
  Buffer.concat([Buffer.from(html), manifest, Buffer.from(swTemplate), ...icons.map((f) => readFileSync(join("public/icons", f)))])
);
const sw = swTemplate.replace("__BUILD__", build).replace("__APPS__", JSON.stringify(apps)).replace("__DEV__", String(dev));
writeFileSync(join(dist, "sw.js"), sw);
writeFileSync(
  join(dist, "build.json"),
  JSON.stringify({ build, assets: names, office: office.names, chunks: village.chunks, office_chunks: office.chunks }) + "\n"
);
if (dev) {
  const wasm = (n) => (statSync(join(dist, "assets", n.WASM)).size / 1024).toFixed(0);
  console.log(`dev build in ${dist}/ (${build}): village WASM ${wasm(names)} KB, office WASM ${wasm(office.names)} KB, not precompressed`);
  process.exit(0);
}

// Precompress every text asset; PNGs are compressed already.
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? (f === ".stage" ? [] : walk(join(d, f))) : [join(d, f)]));
const sizes = {};
for (const f of walk(dist)) {
  if (!/\.(html|js|wasm|css|webmanifest|json)$/.test(f)) continue;
  const raw = readFileSync(f);
  const br = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(f + ".br", br);
  writeFileSync(f + ".gz", gz);
  sizes[f.slice(dist.length + 1)] = { raw: raw.length, gzip: gz.length, br: br.length };
}

// What the browser downloads on first load (the service worker takes the
// same files from the HTTP cache).
const first = ["index.html", ...Object.values(names).map((f) => `assets/${f}`), "manifest.webmanifest", "sw.js"];
const kb = (n) => (n / 1024).toFixed(1).padStart(8);
let report = `first load of ${dist}/ (build ${build})\n${"file".padEnd(44)}${"raw KB".padStart(8)}${"gzip KB".padStart(9)}${"br KB".padStart(8)}\n`;
const total = { raw: 0, gzip: 0, br: 0 };
for (const f of first) {
  const s = sizes[f];
  report += `${f.padEnd(44)}${kb(s.raw)} ${kb(s.gzip)}${kb(s.br)}\n`;
  for (const k of Object.keys(total)) total[k] += s[k];
}
report += `${"total".padEnd(44)}${kb(total.raw)} ${kb(total.gzip)}${kb(total.br)}\n`;
const sum = (files) => files.reduce((t, f) => ({ raw: t.raw + sizes[f].raw, gzip: t.gzip + sizes[f].gzip, br: t.br + sizes[f].br }), { raw: 0, gzip: 0, br: 0 });
const vc = sum(village.chunks.map((f) => `assets/${f}`));
report += `${`screens fetched later (${village.chunks.length} chunks)`.padEnd(44)}${kb(vc.raw)} ${kb(vc.gzip)}${kb(vc.br)}\n`;
const o = ["office.html", ...Object.entries(office.names).filter(([k]) => k !== "CSS").map(([, f]) => `assets/${f}`)];
const ot = sum(o);
report += `${"office bundle (officers only, not in first load)".padEnd(44)}${kb(ot.raw)} ${kb(ot.gzip)}${kb(ot.br)}\n`;
const oc = sum(office.chunks.map((f) => `assets/${f}`));
report += `${`office screens fetched later (${office.chunks.length} chunks)`.padEnd(44)}${kb(oc.raw)} ${kb(oc.gzip)}${kb(oc.br)}\n`;
writeFileSync(join(dist, "size-report.txt"), report);
writeFileSync(join(dist, "size.json"), JSON.stringify({ files: sizes, first_load: total, village_chunks: vc, office: ot, office_chunks: oc }, null, 1) + "\n");
process.stdout.write(report);
