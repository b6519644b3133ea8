// The storefront in a real browser (Debian's chromium, driven by
// playwright-core), at a phone's size: the home page lists the seeded
// listing; a room page shows the pinned live price, takes an order through
// its form and, once the browser holds a guest, shows a comment typed in
// its box arriving over the room's event stream; the player libraries the
// hub serves load and report MSE support. Without a guest, the room page
// follows the room's public events: a new pin (the farmer pins over the
// API from here, with PIN_URL and TOKEN) shows within seconds, and no
// request polls the room. Screenshots of each page
// go to the artifacts folder. No console errors (a blocked script or style
// would show up as one).
//
// Usage: node storefront.mjs HUB_URL ARTIFACTS_DIR ROOM_PATH ENDED_ROOM_PATH PIN_JSON
//   PIN_JSON: {"url": the room's pin endpoint, "token": the farmer's device
//   token, "body": a pin request with a new live price, "price": it as the
//   page shows it, "back": the pin request of the room's ¥8.00 again}
// Env: FARMLIVE_NPM_DIR (where `npm ci` put playwright-core), CHROMIUM.

import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const [url, artifacts, roomPath, endedPath, pinJson] = process.argv.slice(2);
const pin = JSON.parse(pinJson || "null");
if (!url || !artifacts || !roomPath || !endedPath || !pin) {
  console.error("usage: node storefront.mjs HUB_URL ARTIFACTS_DIR ROOM_PATH ENDED_ROOM_PATH PIN_JSON");
  process.exit(2);
}
const require = createRequire(join(process.env.FARMLIVE_NPM_DIR, "node_modules", "x.js"));
const { chromium } = require("playwright-core");
mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // Root in a container has no user namespaces for the sandbox.
  args: ["--no-sandbox"],
});
const problems = [];
try {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: "en-US",
  });
  const page = await context.newPage();
  // Failed loads are judged by their address below (the console line has none).
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    // The video has no stream until a relay serves one; browsers ask for an icon.
    const expected = r.status() === 409 && r.request().method() === "POST";
    if (r.status() >= 400 && !expected && !path.startsWith("/live/") && path !== "/favicon.ico") {
      problems.push(`${r.status()} ${path}`);
    }
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  const shot = async (name) => {
    const path = join(artifacts, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot ${path}`);
  };

  await page.goto(url + "/");
  await page.getByText("Guifei mango").first().waitFor({ state: "visible" });
  assert.ok(await page.getByText("¥10.00").first().isVisible(), "the price is visible");
  await shot("home");

  await page.goto(url + "/lang/zh?back=/");
  await page.getByText("正在直播").first().waitFor({ state: "visible" });
  await shot("home-zh");
  await page.goto(url + "/lang/en?back=" + roomPath);

  await page.locator("#pin-price").waitFor({ state: "visible" });
  assert.equal(await page.locator("#pin-price").textContent(), "¥8.00");
  assert.equal(await page.locator("#pin-usual").textContent(), "¥10.00");
  await shot("room");

  // No guest yet: the page follows the room's public events, so the
  // farmer's new pin shows without a reload and without polling.
  const polls = [];
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/v1/rooms/") && r.resourceType() === "fetch") polls.push(r.url());
  });
  await page.waitForFunction(() => document.getElementById("room").dataset.guest === "false");
  // The stream is open before the pin (an EventSource fires "open").
  await page.waitForResponse((r) => r.url().includes("/public-events"), { timeout: 10000 }).catch(() => {});
  // A new live price, then the old one back (the order below pays it).
  for (const [body, price] of [[pin.body, pin.price], [pin.back, "¥8.00"]]) {
    const pinned = await fetch(pin.url, {
      method: "PUT",
      headers: { authorization: `Bearer ${pin.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(pinned.status, 200, "the farmer pins");
    const sent = Date.now();
    await page.locator("#pin-price", { hasText: price }).waitFor({ state: "visible", timeout: 5000 });
    console.log(`pin ${price} shown without a guest after ${Date.now() - sent} ms`);
  }
  await page.waitForTimeout(5500); // longer than the old poll's period
  assert.deepEqual(polls, [], "the page does not poll the room");

  // The player libraries the hub serves (from the same npm lock) load under
  // the page's policy and find what they need (MSE) in this browser.
  const player = page.locator("#player");
  const mpegtsSrc = await player.getAttribute("data-mpegts-js");
  const hlsSrc = await player.getAttribute("data-hls-js");
  assert.ok(mpegtsSrc && hlsSrc, "the room page offers mpegts.js and hls.js");
  await page.addScriptTag({ url: url + mpegtsSrc });
  assert.equal(await page.evaluate(() => typeof mpegts === "object" && mpegts.isSupported()), true);
  assert.equal(await page.evaluate(async (src) => (await import(src)).default.isSupported(), hlsSrc), true);

  // Order through the form, as a buyer taps it.
  await page.fill("input[name=quantity]", "2");
  await page.fill("input[name=name]", "Wang Fang");
  await page.fill("input[name=phone]", "+86 138 0000 0000");
  await page.fill("textarea[name=address]", "8 Coconut Road, Sanya");
  await Promise.all([page.waitForURL(/\/o\//), page.click("button.buy")]);
  await page.getByText("Your order is placed").waitFor({ state: "visible" });
  await shot("order");
  console.log(`order ${new URL(page.url()).pathname}`);

  // Back in the room as a guest: the comment box posts, the stream shows it.
  await page.goto(url + roomPath);
  await page.locator("#ticker li").first().waitFor({ state: "visible", timeout: 10000 });
  await page.fill("#comment-form input[name=text]", "<b>so sweet</b>");
  await page.click("#comment-form button");
  const comment = page.locator("#comments li", { hasText: "<b>so sweet</b>" });
  await comment.waitFor({ state: "visible", timeout: 10000 });
  await shot("room-guest");

  // More than the stock: the page comes back with a clear message, no order.
  await page.fill("input[name=quantity]", "999");
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.click("button.buy"),
  ]);
  assert.equal(resp.status(), 409);
  await page.locator("#order-error", { hasText: "Sold out" }).waitFor({ state: "visible" });
  await shot("room-sold-out");

  // An ended room: "ended" and the replay.
  await page.goto(url + endedPath);
  await page.getByText("This live show has ended").waitFor({ state: "visible" });
  assert.ok(await page.getByRole("link", { name: "Watch the replay" }).isVisible());
  await shot("room-ended");
} catch (e) {
  problems.push(String(e && e.stack ? e.stack : e));
} finally {
  await browser.close();
}
if (problems.length) {
  console.error("problems:\n" + problems.join("\n"));
  process.exit(1);
}
console.log("ok");
