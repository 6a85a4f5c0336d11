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
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const [stage = "dist/.stage", dist = "dist", mode] = process.argv.slice(2);
const dev = mode === "--dev";
const hash = (buf) => createHash("sha256").update(buf).digest("hex").slice(0, 12);

for (const f of readdirSync(dist)) if (f !== ".stage") rmSync(join(dist, f), { recursive: true, force: true });
mkdirSync(join(dist, "assets"), { recursive: true });
mkdirSync(join(dist, "icons"), { recursive: true });

// One stylesheet: main.css first, then the other style/*.css (by name), so an
// area's rules (e.g. reports.css: charts, the print layout) live in its own file.
const styles = ["main.css", ...readdirSync("style").filter((f) => f.endsWith(".css") && f !== "main.css").sort()];
const css = Buffer.concat(styles.map((f) => readFileSync(join("style", f))));
const cssName = `app-${hash(css)}.css`;
writeFileSync(join(dist, "assets", cssName), css);

// Each bundle: hashed JS glue and WASM, and its page from the index.html template.
function bundle(name, page) {
  const js = readFileSync(join(stage, `${name}.js`));
  const wasm = readFileSync(join(stage, `${name}_bg.opt.wasm`));
  const names = { JS: `${name}-${hash(js)}.js`, WASM: `${name}-${hash(wasm)}_bg.wasm`, CSS: cssName };
  writeFileSync(join(dist, "assets", names.JS), js);
  writeFileSync(join(dist, "assets", names.WASM), wasm);
  let html = readFileSync("index.html", "utf8");
  for (const [k, v] of Object.entries(names)) html = html.replaceAll(`{{${k}}}`, v);
  if (html.includes("{{")) throw new Error("index.html has an unfilled placeholder");
  writeFileSync(join(dist, page), html);
  return { names, html };
}
const village = bundle("sothon", "index.html");
const office = bundle("sothon_office", "office.html");
const names = village.names;
const html = village.html + office.html;
copyFileSync("public/manifest.webmanifest", join(dist, "manifest.webmanifest"));
const icons = readdirSync("public/icons");
for (const f of icons) copyFileSync(join("public/icons", f), join(dist, "icons", f));

// What the service worker keeps for each app: its page and its hashed
// assets (the CSS is shared). Icons and the manifest are not listed per app.
const assetsOf = (n) => Object.values(n).map((f) => `/assets/${f}`);
const apps = {
  village: { page: "/", assets: assetsOf(names) },
  office: { page: "/office.html", assets: assetsOf(office.names) },
};
const manifest = readFileSync("public/manifest.webmanifest");
const swTemplate = readFileSync("public/sw.js", "utf8");
const build = hash(
  Buffer.concat([Buffer.from(html), manifest, Buffer.from(swTemplate), ...icons.map((f) => readFileSync(join("public/icons", f)))])
);
const sw = swTemplate.replace("__BUILD__", build).replace("__APPS__", JSON.stringify(apps)).replace("__DEV__", String(dev));
writeFileSync(join(dist, "sw.js"), sw);
writeFileSync(join(dist, "build.json"), JSON.stringify({ build, assets: names, office: office.names }) + "\n");
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
const first = ["index.html", `assets/${names.JS}`, `assets/${names.WASM}`, `assets/${names.CSS}`, "manifest.webmanifest", "sw.js"];
const kb = (n) => (n / 1024).toFixed(1).padStart(8);
let report = `first load of ${dist}/ (build ${build})\n${"file".padEnd(44)}${"raw KB".padStart(8)}${"gzip KB".padStart(9)}${"br KB".padStart(8)}\n`;
const total = { raw: 0, gzip: 0, br: 0 };
for (const f of first) {
  const s = sizes[f];
  report += `${f.padEnd(44)}${kb(s.raw)} ${kb(s.gzip)}${kb(s.br)}\n`;
  for (const k of Object.keys(total)) total[k] += s[k];
}
report += `${"total".padEnd(44)}${kb(total.raw)} ${kb(total.gzip)}${kb(total.br)}\n`;
const o = ["office.html", `assets/${office.names.JS}`, `assets/${office.names.WASM}`];
const ot = o.reduce((t, f) => ({ raw: t.raw + sizes[f].raw, gzip: t.gzip + sizes[f].gzip, br: t.br + sizes[f].br }), { raw: 0, gzip: 0, br: 0 });
report += `${"office bundle (officers only, not in first load)".padEnd(44)}${kb(ot.raw)} ${kb(ot.gzip)}${kb(ot.br)}\n`;
writeFileSync(join(dist, "size-report.txt"), report);
writeFileSync(join(dist, "size.json"), JSON.stringify({ files: sizes, first_load: total, office: ot }, null, 1) + "\n");
process.stdout.write(report);
