// Glass-to-glass latency and time to first frame in a real browser
// (Debian's chromium, driven by playwright-core), for
// `tests/benches/relay_latency.rs`. It measures; it never asserts times.
//
// The stream comes from the stamped test source (`tests/src/glass.rs`):
// every frame carries its capture time (ms since the Unix epoch) as a band
// of 20 px black and white blocks at the top: 2 rows of 32, read left to
// right, top row first: 8 bits of start pattern (10110010), 48 bits of time
// (most significant first), 8 bits of check (the time's six bytes XORed
// with 0xA5). On each frame the page shows (requestVideoFrameCallback) the
// band is drawn to a canvas and read back; latency = when the frame is
// displayed − its stamp.
//
// Phase 1, side by side: the hub's room page (HTTP-FLV through mpegts.js,
// as a guest, so the page follows the room's events; and once more without
// a guest, when the page follows the room's public events) and a minimal hls.js
// page (hls.js defaults, from the same npm folder) on nginx-rtmp's HLS. Once
// both show stamped frames and have settled it prints "measuring" (the
// bench then pins listings) and records for SECONDS. The room page also
// notes each change of the pinned price in the DOM, with the stamp on
// screen at that moment.
// Phase 2: time to first frame of the room page, VIEWERS times in a fresh
// context each (nothing cached) and VIEWERS times in one context (the
// page's scripts cached after the first): navigation start → first frame
// presented, and player start (player.js's "farmlive:player-start" mark) →
// first frame presented.
// The last line printed is a JSON object of the raw figures.
//
// Usage: node latency.mjs CONFIG_JSON, with CONFIG_JSON
//   {"room_page": URL, "guest_token": TOKEN, "hls_url": URL,
//    "seconds": N, "settle_seconds": N, "viewers": N, "trace": PATH|null}
// With "trace", the first uncached room page's Chromium trace goes to PATH.
// Env: FARMLIVE_NPM_DIR (where `npm ci` put playwright-core and hls.js),
// CHROMIUM.

import { readFileSync } from "node:fs";
import { launch, npmPath, phoneContext } from "./chromium.mjs";

const config = JSON.parse(process.argv[2] || "null");
if (!config || !config.room_page || !config.hls_url) {
  console.error('usage: node latency.mjs \'{"room_page":…,"guest_token":…,"hls_url":…,"seconds":…,"viewers":…}\'');
  process.exit(2);
}
const START_WITHIN_MS = 30000;
const FIRST_FRAME_WITHIN_MS = 15000;

// Runs in each page before its own scripts: reads the stamp of every frame
// the first <video> presents, and watches the pinned price.
function watchPage() {
  const BLOCK = 20, PER_ROW = 32, START = 0b10110010, SALT = 0xa5;
  const glass = (window.__glass = {
    samples: [], // [displayed at (ms since epoch), stamp, seconds buffered ahead]
    recording: false,
    last: null, // the stamp on screen now
    frames: 0,
    unreadable: 0,
    stalls: 0, // "waiting" events while recording
    firstFrame: null, // performance.now() of the first frame presented
    firstStamp: null,
    firstShownAt: null,
    pins: [], // changes of the pinned price
    api: "requestVideoFrameCallback" in HTMLVideoElement.prototype ? "rvfc" : "raf",
    steps: {}, // performance.now() of the first of each step towards the first frame
  });
  // Where a new viewer's time goes: the stream's request and answer, and
  // the video element's events.
  const step = (name) => (glass.steps[name] ??= performance.now());
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    const flv = String(input && input.url ? input.url : input).includes(".flv");
    if (flv) step("flv_request");
    const answer = fetch.call(this, input, init);
    if (flv) answer.then(() => step("flv_response"), () => {});
    return answer;
  };
  for (const e of ["loadedmetadata", "canplay", "playing"])
    document.addEventListener(e, () => step(e), true);
  function read(px, width) {
    let bits = [];
    for (let i = 0; i < 64; i++) {
      const x0 = (i % PER_ROW) * BLOCK, y0 = Math.floor(i / PER_ROW) * BLOCK;
      let sum = 0, n = 0;
      for (let y = y0 + BLOCK / 4; y < y0 + (3 * BLOCK) / 4; y++)
        for (let x = x0 + BLOCK / 4; x < x0 + (3 * BLOCK) / 4; x++) {
          const o = (y * width + x) * 4;
          sum += (px[o] * 299 + px[o + 1] * 587 + px[o + 2] * 114) / 1000;
          n++;
        }
      bits.push(sum / n > 128 ? 1 : 0);
    }
    const byte = (from) => bits.slice(from, from + 8).reduce((b, x) => (b << 1) | x, 0);
    // 48 bits: more than a 32-bit integer, so plain arithmetic.
    let ms = 0;
    for (let i = 8; i < 56; i++) ms = ms * 2 + bits[i];
    let check = SALT;
    for (let i = 0; i < 6; i++) check ^= Math.floor(ms / 2 ** (8 * i)) & 0xff;
    return byte(0) === START && byte(56) === check ? ms : null;
  }
  function watchVideo(video) {
    const canvas = document.createElement("canvas");
    canvas.width = BLOCK * PER_ROW;
    canvas.height = 2 * BLOCK;
    const g = canvas.getContext("2d", { willReadFrequently: true });
    video.addEventListener("waiting", () => glass.recording && glass.stalls++);
    const sample = (perfNow, shownAt) => {
      if (video.videoWidth < canvas.width) return;
      g.drawImage(video, 0, 0, canvas.width, canvas.height, 0, 0, canvas.width, canvas.height);
      const stamp = read(g.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width);
      if (stamp === null) {
        glass.unreadable++;
        return;
      }
      if (glass.firstFrame === null) {
        glass.firstFrame = perfNow;
        glass.firstStamp = stamp;
        glass.firstShownAt = shownAt;
      }
      if (stamp === glass.last) return; // rAF: the same frame again
      glass.last = stamp;
      glass.frames++;
      const b = video.buffered;
      const ahead = b.length ? b.end(b.length - 1) - video.currentTime : null;
      if (glass.recording) glass.samples.push([shownAt, stamp, ahead]);
    };
    if (glass.api === "rvfc") {
      const onFrame = (_now, meta) => {
        sample(meta.presentationTime, performance.timeOrigin + meta.expectedDisplayTime);
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    } else {
      const onFrame = () => {
        sample(performance.now(), Date.now());
        requestAnimationFrame(onFrame);
      };
      requestAnimationFrame(onFrame);
    }
  }
  function watchPin() {
    const price = document.getElementById("pin-price");
    const pinned = document.getElementById("pinned");
    if (!price || !pinned) return;
    const note = () =>
      glass.pins.push({ at: Date.now(), text: price.textContent, hidden: pinned.hidden, stamp: glass.last });
    new MutationObserver(note).observe(pinned, { subtree: true, childList: true, characterData: true, attributes: true });
  }
  document.addEventListener("DOMContentLoaded", () => {
    const video = document.querySelector("video");
    if (video) watchVideo(video);
    watchPin();
  });
}

// A page that plays `m3u8` through hls.js with its defaults, served (by
// intercepting the requests) from the playlist's own origin.
async function hlsPage(context, m3u8) {
  const origin = new URL(m3u8).origin;
  const hlsJs = readFileSync(npmPath("hls.js", "dist", "hls.mjs"));
  await context.route(`${origin}/bench/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === "/bench/hls.mjs") return route.fulfill({ body: hlsJs, contentType: "text/javascript" });
    return route.fulfill({
      contentType: "text/html",
      body: `<!doctype html><meta charset="utf-8"><title>HLS</title>
<video id="v" muted autoplay playsinline></video>
<script type="module">
import Hls from "/bench/hls.mjs";
const v = document.getElementById("v");
const hls = new Hls();
hls.loadSource(${JSON.stringify(m3u8)});
hls.attachMedia(v);
v.play().catch(() => {});
</script>`,
    });
  });
  const page = await context.newPage();
  await page.goto(`${origin}/bench/hls.html`);
  return page;
}

const browser = await launch();
const problems = [];
const result = {};
try {
  // Phase 1: side by side.
  const flvContext = await phoneContext(browser);
  if (config.guest_token)
    await flvContext.addCookies([{ name: "farmlive_buyer", value: config.guest_token, url: config.room_page }]);
  await flvContext.addInitScript(watchPage);
  const hlsContext = await phoneContext(browser);
  await hlsContext.addInitScript(watchPage);
  const flv = await flvContext.newPage();
  await flv.goto(config.room_page);
  const hls = await hlsPage(hlsContext, config.hls_url);
  // A viewer without a guest cookie: the page follows the room's public
  // events instead of the guest's.
  const anonContext = await phoneContext(browser);
  await anonContext.addInitScript(watchPage);
  const anon = await anonContext.newPage();
  await anon.goto(config.room_page);
  const pages = { flv, hls, anon };
  for (const [name, page] of Object.entries(pages)) {
    page.on("pageerror", (e) => problems.push(`${name}: ${e}`));
    await page.waitForFunction(() => window.__glass && window.__glass.frames > 0, null, { timeout: START_WITHIN_MS });
  }
  await flv.waitForTimeout((config.settle_seconds ?? 3) * 1000);
  for (const page of Object.values(pages)) await page.evaluate(() => (window.__glass.recording = true));
  console.log("measuring");
  await flv.waitForTimeout((config.seconds ?? 20) * 1000);
  for (const [name, page] of Object.entries(pages)) {
    result[name] = await page.evaluate(() => {
      const g = window.__glass;
      g.recording = false;
      return {
        api: g.api,
        samples: g.samples,
        frames: g.frames,
        unreadable: g.unreadable,
        stalls: g.stalls,
        pins: g.pins,
        engine: document.querySelector("video").dataset.engine ?? "hls.js",
      };
    });
  }
  await flvContext.close();
  await anonContext.close();
  await hlsContext.close();

  // Phase 2: time to first frame of the room page.
  // (The context runs watchPage in each of its pages.)
  const firstFrame = async (context, trace = null) => {
    const page = await context.newPage();
    if (trace)
      await browser.startTracing(page, {
        path: trace,
        categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "loading", "netlog", "v8", "v8.execute", "toplevel", "blink.user_timing", "navigation"],
      });
    await page.goto(config.room_page);
    await page.waitForFunction(() => window.__glass.firstFrame !== null, null, { timeout: FIRST_FRAME_WITHIN_MS });
    const f = await page.evaluate(() => {
      const g = window.__glass;
      const nav = performance.getEntriesByType("navigation")[0];
      const lib = performance.getEntriesByType("resource").find((r) => r.name.includes("mpegts"));
      return {
        ms: g.firstFrame,
        age: g.firstShownAt - g.firstStamp,
        steps: {
          html: nav.responseEnd,
          player_start: performance.getEntriesByName("farmlive:player-start")[0]?.startTime ?? null,
          dom_content_loaded: nav.domContentLoadedEventStart,
          mpegts_js: lib ? lib.responseEnd : null,
          ...g.steps,
          first_frame: g.firstFrame,
        },
        // What the page loaded, and when (ms after navigation start).
        resources: performance
          .getEntriesByType("resource")
          .map((r) => [r.name.replace(location.origin, ""), Math.round(r.startTime), Math.round(r.responseEnd)]),
      };
    });
    if (trace) await browser.stopTracing();
    await page.close();
    return f;
  };
  result.cold = [];
  for (let i = 0; i < (config.viewers ?? 20); i++) {
    const context = await phoneContext(browser);
    await context.addInitScript(watchPage);
    result.cold.push(await firstFrame(context, i === 0 ? config.trace : null));
    await context.close();
  }
  // The floor: the hub's home page (server-rendered, no player) in a
  // fresh context: when this browser, on this machine, first runs a
  // page's scripts at all (navigation start → DOMContentLoaded).
  result.floor = [];
  for (let i = 0; i < (config.viewers ?? 20); i++) {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await page.goto(new URL("/", config.room_page).href);
    result.floor.push(
      await page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0];
        return { html: nav.responseEnd, dom_content_loaded: nav.domContentLoadedEventStart };
      }),
    );
    await context.close();
  }
  // And the room page itself without its <video> (the same HTML, the
  // element cut out on the way in): what the video element costs before
  // the page's scripts run.
  result.no_video = [];
  for (let i = 0; i < (config.viewers ?? 20); i++) {
    const context = await phoneContext(browser);
    await context.route(config.room_page, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(/<video[\s\S]*?<\/video>/, "");
      await route.fulfill({ response, body });
    });
    const page = await context.newPage();
    await page.goto(config.room_page);
    result.no_video.push(
      await page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0];
        return {
          html: nav.responseEnd,
          dom_content_loaded: nav.domContentLoadedEventStart,
          video: document.querySelector("video") !== null,
        };
      }),
    );
    await context.close();
  }
  result.warm = [];
  const warm = await phoneContext(browser);
  await warm.addInitScript(watchPage);
  await firstFrame(warm); // fills the cache
  for (let i = 0; i < (config.viewers ?? 20); i++) result.warm.push(await firstFrame(warm));
  await warm.close();
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
