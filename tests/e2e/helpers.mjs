// Shared e2e plumbing: start the real server on a free port with a fresh
// SQLite file, launch Debian's Chromium through playwright-core (no browser
// download), and talk to the API directly to check what really arrived.
import { spawn } from "node:child_process";
import { createServer, request as httpRequest } from "node:http";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const SERVER = join(ROOT, "target/server/sothon-server");
export const DEMO_PASSWORD = "phongquang2026";

/** Starts the server; `web` defaults to the built dist/ (or $SOTHON_WEB, for
 * a benchmark of another build). */
export async function startServer({ web = process.env.SOTHON_WEB ?? join(ROOT, "dist"), copyWeb = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sothon-e2e-"));
  if (copyWeb) {
    cpSync(web, join(dir, "web"), { recursive: true });
    web = join(dir, "web");
  }
  const child = spawn(SERVER, ["serve", "--port", "0", "--db", join(dir, "e2e.db"), "--web", web], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
  });
  let out = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20000);
    const onData = (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => reject(new Error(`server exited ${code}:\n${out}`)));
  });
  return {
    url,
    web,
    dir,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.on("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh server and browser for one test file: `({ server, browser } = await openEnv())`. */
export async function openEnv(serverOptions) {
  return { server: await startServer(serverOptions), browser: await launch() };
}

/** Closes what `openEnv` opened (either may be missing if start-up failed). */
export async function closeEnv({ server, browser }) {
  await browser?.close();
  await server?.stop();
}

export function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/**
 * A phone: 360×640, Vietnamese, a fresh profile. With `server`, the phone
 * reaches it through its own little proxy (`ctx.url`), and
 * `ctx.setOffline(true)` also cuts that proxy: Chromium's offline emulation
 * does not reliably cover requests that pass through a service worker
 * (playwright#2311), and a test of offline behaviour must not depend on it.
 */
export async function phone(browser, server, options = {}) {
  const ctx = await browser.newContext({
    viewport: { width: 360, height: 640 },
    locale: "vi-VN",
    timezoneId: "Asia/Ho_Chi_Minh",
    ...options,
  });
  if (server) {
    const proxy = await startProxy(server.url);
    const emulate = ctx.setOffline.bind(ctx);
    ctx.url = proxy.url;
    ctx.traffic = proxy.traffic;
    ctx.setOffline = async (on) => {
      proxy.offline = on;
      await emulate(on);
    };
    /** Cuts only the proxy: the browser still thinks it is online (weak 2G, a dead uplink). */
    ctx.setUnreachable = (on) => {
      proxy.offline = on;
    };
    ctx.on("close", () => proxy.close());
  }
  return ctx;
}

/**
 * What crossed the phone's link, one entry per HTTP exchange:
 * `{ method, path, status, sent, received, headers }`, in bytes as they went
 * over the socket (request line, headers and body; status line, headers and
 * body as the server compressed it), with the request's headers.
 */
export class Traffic {
  constructor() {
    this.exchanges = [];
  }
  clear() {
    this.exchanges.length = 0;
  }
  /** Exchanges whose path (without query) satisfies `pred`. */
  filter(pred = () => true) {
    return this.exchanges.filter((e) => pred(e.path.split("?")[0]));
  }
  /** Bytes received by the phone, in all or in those matching `pred`. */
  received(pred) {
    return this.filter(pred).reduce((n, e) => n + e.received, 0);
  }
  /** How often each path was downloaded with a body (304s and HEADs are not downloads). */
  downloads() {
    const n = new Map();
    for (const e of this.exchanges) if (e.status !== 304 && e.method === "GET") n.set(e.path, (n.get(e.path) ?? 0) + 1);
    return n;
  }
  /** One line per exchange and a total, for a test's log. */
  report() {
    const rows = this.exchanges.map(
      (e) => `${e.method.padEnd(5)}${String(e.status).padEnd(5)}${String(e.sent).padStart(7)} ↑${String(e.received).padStart(8)} ↓  ${e.path}`
    );
    return [...rows, `total ${this.exchanges.length} requests, ${(this.received() / 1024).toFixed(1)} KB received`].join("\n");
  }
}

/** A pass-through HTTP proxy on a free port that drops every connection while `offline`. */
async function startProxy(target) {
  const to = new URL(target);
  const state = { offline: false };
  const traffic = new Traffic();
  const srv = createServer((req, res) => {
    if (state.offline) return req.socket.destroy();
    // Chromium sends one request at a time on a connection (HTTP/1.1), so
    // the socket's counters between request and answer are this exchange's.
    const sock = req.socket;
    const written = sock.bytesWritten;
    let sent = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n\r\n`);
    for (let i = 0; i < req.rawHeaders.length; i += 2) sent += Buffer.byteLength(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`);
    req.on("data", (d) => (sent += d.length));
    const up = httpRequest(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
        res.on("finish", () =>
          traffic.exchanges.push({
            method: req.method,
            path: req.url,
            status: r.statusCode,
            sent,
            received: sock.bytesWritten - written,
            headers: req.headers,
          })
        );
      }
    );
    up.on("error", () => req.socket.destroy());
    req.pipe(up);
  });
  srv.on("connection", (sock) => {
    if (state.offline) sock.destroy();
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${srv.address().port}`,
    traffic,
    get offline() {
      return state.offline;
    },
    set offline(v) {
      state.offline = v;
      if (v) srv.closeAllConnections();
    },
    close: () => {
      srv.closeAllConnections();
      srv.close();
    },
  };
}

/** Calls the API as `username` from Node (outside the browser's offline switch). */
export async function api(base, path, { username = "canbo", method = "GET", body } = {}) {
  const login = await fetch(`${base}/api/v1/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (!login.ok) throw new Error(`login ${username}: ${login.status}`);
  const { token } = await login.json();
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** The current month in Vietnam, as the app picks it ("2026-11"). */
export function currentMonth(now = Date.now()) {
  const d = new Date(now + 7 * 3600 * 1000);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** Waits until a service worker controls the page (so it can boot offline). */
export async function waitForServiceWorker(page) {
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, {
    timeout: 20000,
  });
}
