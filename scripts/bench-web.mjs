// make bench-web: the phone's main thread on a cheap phone — CPU throttled
// 4× over CDP, 500 records stored on the phone — for the three moments a
// village head feels: a keystroke in the report form, saving the report, and
// opening home. Prints the figures (median and worst of RUNS); they go into
// BENCHMARKS.md by hand. Not part of make test.
//
// The 500 records reach the phone the way real ones do: pushed to the server
// by another phone of the same village (60 monthly reports, 40 incidents,
// 400 digital-team activities), then pulled at login.
//
// How each moment is timed, in the page's own clock:
// * keystroke: from the input event's timestamp to the next frame (two
//   requestAnimationFrame callbacks: the frame that shows the change, so
//   never less than one frame interval, ~16.7 ms), and the long tasks
//   (PerformanceObserver) seen meanwhile; and its main-thread time alone:
//   until a zero-delay task queued behind the input's handlers runs;
//   It also counts the form controls whose value the app wrote meanwhile
//   (a keystroke should write none but, at most, its own) and the DOM
//   mutations in the form;
// * save: main-thread time of the submit click's handler — from the click
//   event's timestamp until the main thread is free again (a zero-delay
//   MessageChannel task after it), which covers the storage writes and the
//   re-render of home;
// * home: from the "back" click to the next frame after home's list is in
//   the DOM.
//
//   node scripts/bench-web.mjs          (RUNS=15 by default; each round waits
//                                        for the save's sync to end, OVERLAP=1 not)
//
// Where the time goes: PROFILE=1 samples the main thread (CDP Profiler) in
// each moment and prints, per moment, the functions holding the most time
// (inclusive and self). Build with SOTHON_WASM_NAMES=1 bash
// scripts/build-web.sh first, or the WASM functions are only numbers. The
// profiler costs time itself: read its shares, not the times beside them.
import { DEMO_PASSWORD, launch, phone, startServer, waitForServiceWorker } from "../tests/e2e/helpers.mjs";
import { HomePage, LoginPage, ReportPage } from "../tests/e2e/pages.mjs";

const RUNS = Number(process.env.RUNS ?? 15);
const PROFILE = Boolean(process.env.PROFILE);
const TOP = Number(process.env.TOP ?? 25);
// OVERLAP=1: time the next keystroke while the save's sync may still run
// (how session 9 measured).
const OVERLAP = Boolean(process.env.OVERLAP);

/** Main-thread time by kind per moment (CDP Performance metrics, summed over the runs). */
function breakdown(cdp) {
  const KINDS = ["TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration"];
  const sums = new Map();
  const read = async () => {
    const { metrics } = await cdp.send("Performance.getMetrics");
    return Object.fromEntries(metrics.filter((m) => KINDS.includes(m.name)).map((m) => [m.name, m.value * 1000]));
  };
  let before;
  return {
    async enable() {
      await cdp.send("Performance.enable", { timeDomain: "threadTicks" });
    },
    async start() {
      before = await read();
    },
    async stop(moment) {
      const after = await read();
      const s = sums.get(moment) ?? Object.fromEntries(KINDS.map((k) => [k, 0]));
      for (const k of KINDS) s[k] += after[k] - before[k];
      sums.set(moment, s);
    },
    print() {
      console.log(`main thread by kind, per run (CDP Performance metrics; the moments' windows include the test driver's own input):`);
      for (const [moment, s] of sums) {
        const f = (k) => (s[k] / RUNS).toFixed(1).padStart(7);
        console.log(`  ${moment.padEnd(10)} tasks ${f("TaskDuration")} ms · script ${f("ScriptDuration")} · style ${f("RecalcStyleDuration")} · layout ${f("LayoutDuration")}`);
      }
    },
  };
}

/** A Rust symbol (legacy mangling, as wasm-bindgen --no-demangle leaves it) made readable. */
export function demangle(sym) {
  const m = /^_?_ZN(.*)E$/.exec(sym);
  if (!m) return sym;
  const parts = [];
  let rest = m[1];
  while (rest.length) {
    const len = /^(\d+)/.exec(rest);
    if (!len) break;
    const n = Number(len[1]);
    parts.push(rest.slice(len[1].length, len[1].length + n));
    rest = rest.slice(len[1].length + n);
  }
  if (parts.length && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  const esc = { SP: "@", BP: "*", RF: "&", LT: "<", GT: ">", LP: "(", RP: ")", C: "," };
  return parts
    .map((p) => p.replace(/\$([A-Z]+)\$/g, (_, c) => esc[c] ?? `$${c}$`).replace(/\$u([0-9a-f]+)\$/g, (_, h) => String.fromCodePoint(parseInt(h, 16))).replace(/^_\$/, "$").replace(/\.\./g, "::"))
    .join("::");
}

/** CPU samples per moment, summed over the runs (PROFILE=1). */
function profiler(cdp) {
  const by = new Map(); // moment -> { self: Map, incl: Map, total }
  return {
    async start() {
      if (!PROFILE) return;
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
      await cdp.send("Profiler.start");
    },
    async stop(moment) {
      if (!PROFILE) return;
      const { profile } = await cdp.send("Profiler.stop");
      const m = by.get(moment) ?? { self: new Map(), incl: new Map(), total: 0 };
      by.set(moment, m);
      const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
      const parent = new Map();
      for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
      const name = (n) => {
        const f = n.callFrame;
        return (f.functionName && demangle(f.functionName)) || (f.url ? `(anonymous ${f.url.split("/").pop()}:${f.lineNumber})` : "(program)");
      };
      profile.samples.forEach((id, i) => {
        const dt = (profile.timeDeltas[i] ?? 0) / 1000;
        const leaf = nodes.get(id);
        const leafName = name(leaf);
        if (leafName === "(idle)" || leafName === "(root)") return;
        m.total += dt;
        m.self.set(leafName, (m.self.get(leafName) ?? 0) + dt);
        const seen = new Set();
        for (let n = id; n !== undefined; n = parent.get(n)) {
          const nm = name(nodes.get(n));
          if (nm === "(root)" || seen.has(nm)) continue;
          seen.add(nm);
          m.incl.set(nm, (m.incl.get(nm) ?? 0) + dt);
        }
      });
    },
    print() {
      for (const [moment, m] of by) {
        console.log(`\n${moment}: ${m.total.toFixed(0)} ms sampled over ${RUNS} runs`);
        for (const [kind, map] of [["inclusive", m.incl], ["self", m.self]]) {
          console.log(`  top ${TOP} ${kind}:`);
          for (const [nm, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, TOP))
            console.log(`  ${((100 * ms) / m.total).toFixed(1).padStart(6)} %  ${nm.slice(0, 110)}`);
        }
      }
    },
  };
}
const RECORDS = 500;
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

/** Pushes RECORDS records of pq-t01 from a seeding phone, 50 to a request. */
async function seed(base) {
  const login = await fetch(`${base}/api/v1/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "truongthon1", password: DEMO_PASSWORD }),
  });
  const { token } = await login.json();
  const device = "bench-seed-0001";
  const bodies = [];
  for (let i = 0; i < 60; i++) {
    const period = `${2021 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}`;
    const values = { pop: 500 + i, bhyt: 450 + i, hh: 130, poor_hh: 9, dvc_helped: 12 + (i % 7), child35: 30, child35_school: 28 };
    bodies.push({ t: "report", village: "pq-t01", period, cv: 1, values });
  }
  const at = Date.parse("2025-06-01T08:00:00Z");
  for (let i = 0; i < 40; i++) {
    bodies.push({ t: "incident", id: `bench-inc-${i}`, village: "pq-t01", kind: "landslide", at: at + i * 86400e3, severity: "medium", people: 2, households: 1, description: "Sạt lở taluy dương sau mưa lớn" });
  }
  for (let i = 0; i < RECORDS - 100; i++) {
    const date = new Date(at + (i % 300) * 86400e3).toISOString().slice(0, 10);
    bodies.push({ t: "activity", id: `bench-act-${i}`, village: "pq-t01", date, topic: "cashless", participants: 10 + (i % 9), helped: 3 });
  }
  const recordId = (b) => (b.t === "report" ? `r.${b.village}.${b.period}` : `${b.t[0]}.${b.village}.${b.id}`);
  for (let i = 0; i < bodies.length; i += 50) {
    const push = bodies.slice(i, i + 50).map((body, j) => {
      const seq = i + j + 1;
      return { id: `${device}:${seq}`, seq, record: recordId(body), base: 0, at, body };
    });
    const res = await fetch(`${base}/api/v1/sync`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ v: 1, device, now: Date.now(), push }),
    });
    const v = await res.json();
    const bad = v.results?.filter((r) => r.status !== "applied") ?? [v];
    if (!res.ok || bad.length) throw new Error(`seeding: ${res.status} ${JSON.stringify(bad[0])}`);
  }
}

// Installed in the page before the app starts: the probes the moments use.
function probes() {
  window.__long = [];
  new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration))).observe({ type: "longtask" });
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const idle = () => new Promise((r) => { const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); });
  // Resolves with ms from the next `type` event (captured on document) to
  // what `until` awaits, and the long tasks meanwhile.
  window.__time = (type, until) =>
    new Promise((resolve) => {
      document.addEventListener(type, (e) => {
        const t0 = e.timeStamp;
        const long0 = window.__long.length;
        until().then(() => resolve({ ms: performance.now() - t0, long: window.__long.slice(long0) }));
      }, { capture: true, once: true });
    });
  // Which controls the app writes a value to (Leptos sets `prop:value`
  // through the prototype's setter, so wrapping it sees every write).
  for (const proto of [HTMLInputElement.prototype, HTMLTextAreaElement.prototype, HTMLSelectElement.prototype]) {
    const d = Object.getOwnPropertyDescriptor(proto, "value");
    Object.defineProperty(proto, "value", {
      ...d,
      set(v) {
        window.__writes?.add(this.id);
        d.set.call(this, v);
      },
    });
  }
  window.__keystroke = () =>
    new Promise((resolve) => {
      document.addEventListener("input", (e) => {
        const t0 = e.timeStamp;
        const long0 = window.__long.length;
        window.__writes = new Set();
        let mutations = 0;
        const mo = new MutationObserver((l) => (mutations += l.length));
        mo.observe(document.querySelector("form"), { subtree: true, childList: true, attributes: true, characterData: true });
        // Main-thread work: until a task queued after the input's handlers
        // (and the effects they scheduled) runs.
        const busy = idle().then(() => performance.now() - t0);
        Promise.all([busy, frame()]).then(([busy]) => {
          const writes = [...window.__writes];
          window.__writes = undefined;
          mo.disconnect();
          resolve({ ms: performance.now() - t0, busy, long: window.__long.slice(long0), writes, mutations });
        });
      }, { capture: true, once: true });
    });
  // The save: the click's main-thread time (until a zero-delay task queued
  // at the click runs), and the time until home is on screen (home's list
  // in the DOM, then a frame), which the app renders after the save's frame.
  window.__saved = () =>
    new Promise((resolve) => {
      document.addEventListener("click", (e) => {
        const t0 = e.timeStamp;
        const busy = idle().then(() => performance.now() - t0);
        const shown = (async () => {
          while (!document.querySelector("[data-testid=open-report]")) await new Promise((r) => setTimeout(r, 0));
          await frame();
          return performance.now() - t0;
        })();
        Promise.all([busy, shown]).then(([ms, shown]) => resolve({ ms, shown }));
      }, { capture: true, once: true });
    });
  window.__frame = frame;
  window.__idle = idle;
}

/** The same keystroke, timed the same way, on a static page holding `n`
 * labelled inputs and no script: what the browser itself spends (key
 * dispatch, text editing, style, layout) at 4×, below which no app goes. */
async function floor(browser, n) {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: "vi-VN" });
  const page = await ctx.newPage();
  const fields = Array.from({ length: n }, (_, i) => `<div><label for="i${i}">Trường ${i}</label><input id="i${i}" type="text" inputmode="numeric"></div>`);
  await page.setContent(`<!doctype html><meta name="viewport" content="width=device-width"><form>${fields.join("")}</form>`);
  await page.evaluate(probes);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  const input = page.locator("#i0");
  await input.fill("1");
  const xs = [];
  // Three presses to warm up, then 15 or RUNS timed.
  for (let i = 0; i < 3 + Math.max(RUNS, 15); i++) {
    const k = page.evaluate(() => window.__keystroke());
    await input.press(String(i % 10));
    const { busy } = await k;
    if (i >= 3) xs.push(busy);
  }
  await ctx.close();
  return xs;
}

const server = await startServer();
const browser = await launch();
try {
  await seed(server.url);
  const ctx = await phone(browser, server);
  await ctx.addInitScript(probes);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login("truongthon1", DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  await waitForServiceWorker(page);
  await page.waitForFunction((n) => Object.keys(localStorage).filter((k) => k.startsWith("st.r.")).length >= n, RECORDS, { timeout: 60000 });
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("st.r.")).length);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });

  const prof = profiler(cdp);
  const kinds = breakdown(cdp);
  await kinds.enable();
  /** Runs `act` with both recorders on, filed under `moment`. */
  const watched = async (moment, act) => {
    await kinds.start();
    await prof.start();
    const out = await act();
    await prof.stop(moment);
    await kinds.stop(moment);
    return out;
  };
  const form = new ReportPage(page);
  let controls = 0;
  const keys = [], busy = [], saves = [], saved = [], homes = [], longs = [], writes = [], mutations = [];
  for (let i = 0; i < RUNS; i++) {
    await home.openCurrentReport();
    controls ||= await page.locator("form input, form select, form textarea").count();
    await form.fill("pop", 512);
    await form.fill("bhyt", 500);
    // A keystroke: one character typed into a field the form already checks.
    const input = page.getByTestId("in-dvc_helped");
    await input.fill("1");
    const key = await watched("keystroke", async () => {
      const k = page.evaluate(() => window.__keystroke());
      await input.press(String(i % 10));
      return k;
    });
    keys.push(key.ms);
    busy.push(key.busy);
    longs.push(...key.long);
    writes.push(key.writes.length);
    mutations.push(key.mutations);

    const save = await watched("save", async () => {
      const s = page.evaluate(() => window.__saved());
      await form.submit();
      return s;
    });
    saves.push(save.ms);
    saved.push(save.shown);
    await home.waitFor();
    // The save's sync (its push, and a pull that answers with what changed)
    // ends before the next moment is timed: a task of its that lands in a
    // keystroke's window is not the keystroke's work.
    if (!OVERLAP) await home.waitUnsent(0);

    await home.openCurrentReport();
    const h = page.evaluate(() =>
      window.__time("click", async () => {
        while (!document.querySelector("[data-testid=open-report]")) await new Promise((r) => setTimeout(r, 0));
        await window.__frame();
      })
    );
    const shown = await watched("home", async () => {
      await page.getByTestId("back").click();
      return h;
    });
    homes.push(shown.ms);
  }
  const line = (what, xs) => {
    const { median, max } = stats(xs);
    return `${what.padEnd(44)}${median.toFixed(1).padStart(8)} ms${max.toFixed(1).padStart(8)} ms`;
  };
  console.log(`CPU 4× (CDP), ${stored} records stored, ${RUNS} runs${"median".padStart(14)}${"worst".padStart(11)}`);
  console.log(line("keystroke in the report form → next frame", keys));
  console.log(line("keystroke in the report form (main thread)", busy));
  console.log(line("save the report (the tap's main thread)", saves));
  console.log(line("save → home painted", saved));
  console.log(line("open home (back → home painted)", homes));
  console.log(`per keystroke: values written to ${stats(writes).max} form controls, ${stats(mutations).median} DOM mutations in the form (median)`);
  console.log(`long tasks (> 50 ms) during keystrokes: ${longs.length}${longs.length ? ` (${longs.map((d) => d.toFixed(0)).join(", ")} ms)` : ""}`);
  console.log(line(`the floor: a page of ${controls} bare inputs, no script`, await floor(browser, controls)));
  kinds.print();
  prof.print();
  await ctx.close();
} finally {
  await browser.close();
  await server.stop();
}
