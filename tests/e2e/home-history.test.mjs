// Home on a phone used for years: the history shows its newest rows first
// and the rest a tap away ("Xem thêm"), so a long history costs a cheap
// phone one page of rows, and no record is out of reach.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { api, closeEnv, openEnv, phone } from "./helpers.mjs";
import { signedIn } from "./pages.mjs";

let server, browser;
before(async () => {
  ({ server, browser } = await openEnv());
});
after(() => closeEnv({ server, browser }));

const RECORDS = 35;

test("home lists 30 records, and the rest a tap away", async () => {
  // The village's digital team filed 35 activities from its own phone.
  const device = "history-seed-01";
  const push = Array.from({ length: RECORDS }, (_, i) => {
    const id = `hist-${String(i).padStart(3, "0")}`;
    const date = `2026-0${1 + Math.floor(i / 28)}-${String(1 + (i % 28)).padStart(2, "0")}`;
    const body = { t: "activity", id, village: "pq-t01", date, topic: "cashless", participants: 5 + i, helped: 1 };
    return { id: `${device}:${i + 1}`, seq: i + 1, record: `a.pq-t01.${id}`, base: 0, at: Date.now(), body };
  });
  const res = await api(server.url, "/api/v1/sync", {
    username: "congnghe1",
    method: "POST",
    body: { v: 1, device, now: Date.now(), push },
  });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.deepEqual(res.json.results.filter((r) => r.status !== "applied"), []);

  // The village head's phone pulls them at login.
  const ctx = await phone(browser, server);
  const { home } = await signedIn(ctx, "truongthon1");
  await home.waitHistory(30);
  assert.equal(await home.moreRecordsLeft(), RECORDS - 30);

  await home.showMoreRecords();
  await home.waitHistory(RECORDS);
  assert.equal(await home.moreRecordsLeft(), null, "nothing left to show");
  const ids = await home.historyIds();
  assert.equal(new Set(ids).size, RECORDS, "each record once");
  for (const m of push) assert.ok(ids.includes(m.record), m.record);
  await ctx.close();
});
