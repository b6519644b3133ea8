// The room page's player in a real browser (Debian's chromium, driven by
// playwright-core) at a phone's size, against a hub with a publisher on
// air. Mode `live`: the page plays the room's stream by itself (muted
// autoplay): currentTime advances by at least 3 s, the picture has the
// published size, a frame drawn to a canvas is not blank and differs from
// one drawn a second later; the page's viewer count shows its own player,
// rises when a second page plays and falls when that page closes. EXTRA `comment:TEXT`: the browser then orders
// through the form (becoming a guest) and types TEXT in the comment box.
// EXTRA `republish`: it prints "republish" (the test then replaces the
// publisher: the old one leaves, a new one comes) and the picture must go
// on, currentTime advancing 4 s more. Mode `live-hls`: as `live` in a page
// without Media Source Extensions (an iPhone's Safari): native HLS plays.
// Mode `replay`: an ended room's page plays its recording (HLS, through
// hls.js in Chromium) once started, and currentTime advances.
// It prints "opened" once the page has loaded (a test may start publishing
// then, to see the page wait for the stream). A screenshot of the playing page goes to ARTIFACTS_DIR/NAME.png; the last
// line printed is a JSON object of what was measured.
//
// Usage: node playback.mjs HUB_URL ARTIFACTS_DIR ROOM_PATH live|live-hls|replay NAME WIDTH HEIGHT [EXTRA]
// Env: FARMLIVE_NPM_DIR (where `npm ci` put playwright-core), CHROMIUM.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import { launch, phoneContext } from "./chromium.mjs";

const [url, artifacts, roomPath, mode, name, width, height, extra = ""] = process.argv.slice(2);
const comment = extra.startsWith("comment:") ? extra.slice("comment:".length) : "";
if (!url || !artifacts || !roomPath || !["live", "live-hls", "replay"].includes(mode) || !name || !height) {
  console.error("usage: node playback.mjs HUB_URL ARTIFACTS_DIR ROOM_PATH live|live-hls|replay NAME WIDTH HEIGHT [comment:TEXT|republish]");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

// Bounds are generous: the machine may be busy; the figures are printed.
const START_WITHIN_MS = 20000;
const ADVANCE_S = 3;
const ADVANCE_WITHIN_MS = 15000;
// Luma variance of a flat (blank) picture is ~0; the test patterns' bars
// give thousands.
const MIN_VARIANCE = 100;

const browser = await launch();
const problems = [];
const result = { mode, name };
try {
  const context = await phoneContext(browser);
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  // `live-hls`: a browser without MSE, like Safari on an iPhone; Chromium
  // plays HLS natively too.
  if (mode === "live-hls") {
    await page.addInitScript(() => {
      delete window.MediaSource;
      delete window.ManagedMediaSource;
    });
  }
  // When the picture first moved, in the page's clock (0 = navigation).
  await page.addInitScript(() => {
    document.addEventListener(
      "playing",
      () => {
        window.__firstPlaying ??= performance.now();
      },
      true,
    );
  });
  const video = page.locator("#player");
  const now = () => page.evaluate(() => document.getElementById("player").currentTime);
  // A frame drawn to a canvas: its luma variance and a sample of its pixels.
  const frame = () =>
    page.evaluate(() => {
      const v = document.getElementById("player");
      const c = document.createElement("canvas");
      c.width = v.videoWidth;
      c.height = v.videoHeight;
      const g = c.getContext("2d", { willReadFrequently: true });
      g.drawImage(v, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let sum = 0;
      let sq = 0;
      const luma = [];
      for (let i = 0; i < d.length; i += 4) {
        const y = (d[i] * 299 + d[i + 1] * 587 + d[i + 2] * 114) / 1000;
        sum += y;
        sq += y * y;
        if ((i / 4) % 7 === 0) luma.push(y);
      }
      const n = d.length / 4;
      return { variance: sq / n - (sum / n) ** 2, luma };
    });

  await page.goto(url + roomPath);
  // The test may start the publisher only now: until the stream is on air
  // the page says so over the video (and keeps trying).
  console.log("opened");
  if (mode !== "replay") {
    const note = page.locator(".player-note");
    const playing = await video.evaluate((v) => v.currentTime > 0);
    result.waiting_note = !playing && (await note.isVisible()) ? await note.textContent() : null;
    if (result.waiting_note) await page.screenshot({ path: join(artifacts, `${name}-waiting.png`) });
  }
  if (mode === "replay") {
    await page.getByText("This live show has ended").waitFor({ state: "visible" });
    assert.ok(await video.evaluate((v) => v.controls), "the replay has controls");
    // The buyer taps play.
    await page.waitForFunction(() => document.getElementById("player").dataset.engine !== undefined);
    await video.evaluate((v) => v.play());
  }
  await page.waitForFunction(
    () => {
      if (document.getElementById("player").currentTime <= 0) return false;
      window.__firstMoved ??= performance.now();
      return true;
    },
    null,
    { timeout: START_WITHIN_MS },
  );
  result.engine = await video.getAttribute("data-engine");
  // Informal: from navigation to the first picture (includes the page's
  // and the library's loading; with a late publisher, the wait for it).
  result.first_frame_ms = Math.round(await page.evaluate(() => window.__firstPlaying ?? window.__firstMoved));
  if (mode !== "replay") {
    const expected = mode === "live" ? "mpegts" : "native";
    assert.equal(result.engine, expected, "HTTP-FLV through mpegts.js with MSE, else native HLS");
    assert.equal(await video.evaluate((v) => v.muted && !v.controls), true, "live starts muted, no seek bar");
    // (Shown on the "playing" event, a task that may run just after
    // currentTime first moves.)
    await page.locator(".player .unmute").waitFor({ state: "visible", timeout: 5000 });
    assert.ok(await page.locator(".player .unmute").isVisible(), "an unmute button");
  } else {
    assert.equal(result.engine, "hls.js", "Chromium plays the replay through hls.js");
  }

  const t0 = await now();
  const started = Date.now();
  await page.waitForFunction((t) => document.getElementById("player").currentTime >= t, t0 + ADVANCE_S, {
    timeout: ADVANCE_WITHIN_MS,
  });
  const t1 = await now();
  result.advance_s = +(t1 - t0).toFixed(2);
  result.advance_wall_ms = Date.now() - started;

  result.size = await video.evaluate((v) => [v.videoWidth, v.videoHeight]);
  assert.deepEqual(result.size, [Number(width), Number(height)], "the published size");
  // The whole picture shows: one of another shape than the player's 16:9
  // box (a 4:3 phone camera) is letterboxed, never cropped to fill it.
  result.fit = await video.evaluate((v) => {
    const box = v.getBoundingClientRect();
    return { object_fit: getComputedStyle(v).objectFit, box: [Math.round(box.width), Math.round(box.height)] };
  });
  assert.equal(result.fit.object_fit, "contain", "the player letterboxes");

  const a = await frame();
  await page.waitForTimeout(1000);
  const b = await frame();
  result.variance = Math.round(a.variance);
  assert.ok(a.variance > MIN_VARIANCE, `the frame is not blank (variance ${a.variance})`);
  assert.ok(b.variance > MIN_VARIANCE, `the later frame is not blank (variance ${b.variance})`);
  const changed = a.luma.filter((y, i) => Math.abs(y - b.luma[i]) > 16).length / a.luma.length;
  result.changed = +changed.toFixed(3);
  assert.ok(changed > 0.01, `two frames 1 s apart differ (${changed} of the pixels)`);

  // The page as a buyer sees it, the note gone and the picture there.
  assert.equal(await page.locator(".player-note").isVisible(), false, "no note over a playing video");
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: false });
  console.log(`screenshot ${join(artifacts, `${name}.png`)}`);

  if (mode === "live") {
    // The viewer count: this page (no guest: it follows the room's public
    // events) sees its own player counted, a second player come, and go.
    const watching = () => page.evaluate(() => Number(document.getElementById("viewers").textContent));
    const countAbove = (n) =>
      page.waitForFunction((n) => Number(document.getElementById("viewers").textContent) > n, n, { timeout: 10000 });
    await countAbove(0);
    result.watching = await watching();
    const otherContext = await phoneContext(browser);
    const other = await otherContext.newPage();
    await other.goto(url + roomPath);
    await other.waitForFunction(() => document.getElementById("player").currentTime > 0, null, {
      timeout: START_WITHIN_MS,
    });
    await countAbove(result.watching);
    result.watching_two = await watching();
    await otherContext.close();
    await page.waitForFunction((n) => Number(document.getElementById("viewers").textContent) < n, result.watching_two, {
      timeout: 10000,
    });
    result.watching_after = await watching();
  }

  if (mode === "live" && extra === "republish") {
    console.log("republish");
    const r0 = await now();
    const started = Date.now();
    await page.waitForFunction((t) => document.getElementById("player").currentTime >= t, r0 + 4, {
      timeout: 40000,
    });
    result.republish_resumed_ms = Date.now() - started;
    assert.equal(await page.locator(".player-note").isVisible(), false, "no note once it plays again");
    await page.screenshot({ path: join(artifacts, `${name}-republished.png`), fullPage: false });
  }

  if (mode === "live" && comment) {
    // Comments need a guest: order through the form first, as a buyer does.
    await page.fill("input[name=quantity]", "1");
    await page.fill("input[name=name]", "Li Wei");
    await page.fill("input[name=phone]", "+86 139 0000 0000");
    await page.fill("textarea[name=address]", "3 Orchard Lane, Haikou");
    await Promise.all([page.waitForURL(/\/o\//), page.click("button.buy")]);
    await page.goto(url + roomPath);
    await page.fill("#comment-form input[name=text]", comment);
    await page.click("#comment-form button");
    await page.locator("#comments li", { hasText: comment }).waitFor({ state: "visible", timeout: 10000 });
    // Still playing after the page came back.
    await page.waitForFunction(() => document.getElementById("player").currentTime > 1, null, {
      timeout: START_WITHIN_MS,
    });
    await page.screenshot({ path: join(artifacts, `${name}-comment.png`), fullPage: false });
    result.commented = true;
  }
} catch (e) {
  problems.push(String(e && e.stack ? e.stack : e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
if (problems.length) {
  console.error("problems:\n" + problems.join("\n"));
  process.exit(1);
}
