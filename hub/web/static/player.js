// The room page's player. A live room plays its HTTP-FLV stream through
// mpegts.js where the browser has Media Source Extensions (lowest delay),
// else HLS: natively (Safari, iOS) or through hls.js. An ended room plays
// its recording (HLS) with the usual controls. Streams that are not on air
// yet, or whose publisher went away, are retried with a growing pause and a
// short note over the video. Live video starts muted (browsers only autoplay
// muted video) with a button to turn the sound on.
//
// Without this script the page still offers the HLS <source> with native
// controls. The libraries come from the hub (data-mpegts-js, data-hls-js);
// which path plays is left in data-engine (the browser tests read it).

const video = document.getElementById("player");
const box = video?.closest(".player");
const live = document.getElementById("room")?.dataset.live === "true";
// mpegts.js and hls.js both need this, with H.264 and AAC.
const MSE_TYPE = 'video/mp4; codecs="avc1.42E01E,mp4a.40.2"';
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 10000;
// A live picture that stands still this long is taken as a lost stream.
const STALL_MS = 8000;

let retryMs = RETRY_FIRST_MS;
let played = false; // once it has played, a lost stream is "trying again"
let retryTimer = 0;
let teardown = () => {};

function note(text) {
  let p = box.querySelector(".player-note");
  if (!p) {
    p = document.createElement("p");
    p.className = "player-note";
    box.append(p);
  }
  p.textContent = text || "";
  p.hidden = !text;
  box.classList.toggle("playing", !text);
}

function hasMse() {
  const MS = window.ManagedMediaSource || window.MediaSource;
  return !!MS && typeof MS.isTypeSupported === "function" && MS.isTypeSupported(MSE_TYPE);
}

// mpegts.js is a classic (UMD) script, not a module: it defines
// window.mpegts. Our policy allows scripts from this hub only, so a
// <script src> of the hub's copy loads it.
function classicScript(src) {
  if (window.mpegts) return Promise.resolve(window.mpegts);
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = () => (window.mpegts ? resolve(window.mpegts) : reject(new Error("no mpegts")));
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

// Muted autoplay may still be refused (a saved-data mode); the controls
// then let the viewer start it. (A play cut short by a retry's new load
// is no refusal.)
function start() {
  const p = video.play();
  if (p)
    p.catch((e) => {
      if (e && e.name === "NotAllowedError") video.controls = true;
    });
}

// Why a live stream is not playing: not on air yet, or lost.
function liveNote() {
  return played ? video.dataset.noteRetry : video.dataset.noteWaiting;
}

// Retry after a pause that doubles up to RETRY_MAX_MS; the note says why.
function retry(text) {
  teardown();
  teardown = () => {};
  note(text);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(play, retryMs);
  retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
}

// Calls `lost` when a playing live picture stops advancing.
function watchStall(lost) {
  let last = video.currentTime;
  let since = performance.now();
  const timer = setInterval(() => {
    if (video.paused) {
      since = performance.now();
      return;
    }
    if (video.currentTime !== last) {
      last = video.currentTime;
      since = performance.now();
    } else if (performance.now() - since > STALL_MS) {
      lost();
    }
  }, 1000);
  return () => clearInterval(timer);
}

async function playFlv() {
  const mpegts = await classicScript(video.dataset.mpegtsJs);
  // Its console lines would repeat each retry; the note says what matters.
  mpegts.LoggingControl.enableAll = false;
  const player = mpegts.createPlayer(
    { type: "flv", isLive: true, url: new URL(video.dataset.flv, location.href).href },
    {
      enableWorker: false,
      enableStashBuffer: false, // hand every tag on at once
      stashInitialSize: 64 * 1024,
      lazyLoad: false, // a live stream must not pause its download
      deferLoadAfterSourceOpen: false,
      liveBufferLatencyChasing: true, // jump ahead when the buffer grows
      liveBufferLatencyMaxLatency: 1.5,
      liveBufferLatencyMinRemain: 0.3,
      // And play at 1.2x while more than 0.5 s is buffered, down to 0.3 s:
      // a new viewer starts at the last keyframe (up to a GOP old) and
      // catches up within seconds. (1.2 s and 0.6 s before: a viewer stayed
      // as far behind as its first keyframe, ~1 s; relay_latency bench.)
      liveSync: true,
      liveSyncMaxLatency: 0.5,
      liveSyncTargetLatency: 0.3,
      liveSyncPlaybackRate: 1.2,
      autoCleanupSourceBuffer: true,
      autoCleanupMaxBackwardDuration: 30,
      autoCleanupMinBackwardDuration: 10,
    },
  );
  const lost = () => retry(liveNote());
  player.on(mpegts.Events.ERROR, lost);
  // The hub closes the stream when the publisher is gone for good.
  player.on(mpegts.Events.LOADING_COMPLETE, lost);
  const unwatch = watchStall(lost);
  teardown = () => {
    unwatch();
    player.destroy();
  };
  player.attachMediaElement(video);
  player.load();
  start();
}

async function playHlsJs(url) {
  const { default: Hls } = await import(video.dataset.hlsJs);
  const hls = new Hls(live ? { lowLatencyMode: true, liveSyncDurationCount: 2 } : {});
  hls.on(Hls.Events.ERROR, (_, data) => {
    if (data.fatal) retry(live ? liveNote() : video.dataset.noteNoReplay);
  });
  teardown = () => hls.destroy();
  hls.loadSource(new URL(url, location.href).href);
  hls.attachMedia(video);
  if (live) start();
}

function playNative(url) {
  video.src = url;
  const lost = () => retry(live ? liveNote() : video.dataset.noteNoReplay);
  video.addEventListener("error", lost, { once: true });
  teardown = () => {
    video.removeEventListener("error", lost);
    video.removeAttribute("src");
    video.load();
  };
  if (live) start();
}

// Picks the path: HTTP-FLV through MSE for a live room on this hub; HLS
// otherwise, through hls.js where the browser has MSE and the hub has
// hls.js (an ended room's replay: seeking works the same everywhere),
// natively where it plays HLS itself (Safari, iOS), hls.js as the last
// resort for live.
function choose() {
  const d = video.dataset;
  const mse = hasMse();
  const native = video.canPlayType("application/vnd.apple.mpegurl") !== "";
  if (live && d.flv && d.mpegtsJs && mse) return "mpegts";
  if (!live && d.hlsJs && mse) return "hls.js";
  if (native) return "native";
  if (d.hlsJs && mse) return "hls.js";
  return "";
}

// Marks when the player first starts (time to first frame is measured
// from here as well as from navigation start).
const PLAYER_START = "farmlive:player-start";

async function play() {
  if (!performance.getEntriesByName(PLAYER_START).length) performance.mark(PLAYER_START);
  const engine = choose();
  video.dataset.engine = engine;
  if (!engine) return; // nothing better than the page's own <source>
  try {
    if (engine === "mpegts") await playFlv();
    else if (engine === "hls.js") await playHlsJs(video.dataset.hls);
    else playNative(video.dataset.hls);
  } catch (_) {
    retry(live ? liveNote() : video.dataset.noteNoReplay);
  }
}

// Sound: live video starts muted; one tap turns it on.
function unmuteButton() {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "unmute";
  b.textContent = video.dataset.unmute;
  b.addEventListener("click", () => {
    video.muted = false;
    start();
  });
  // Only over a picture: before the stream is on air there is no sound.
  const show = () => (b.hidden = !video.muted || !played);
  video.addEventListener("volumechange", show);
  video.addEventListener("playing", show);
  show();
  box.append(b);
}

if (video && box) {
  // The <source> is the page's fallback without this script; from here
  // on the chosen path gives the video its stream.
  video.querySelector("source")?.remove();
  video.addEventListener("playing", () => {
    played = true;
    retryMs = RETRY_FIRST_MS;
    note("");
  });
  if (live) {
    video.controls = false; // a live stream has nothing to seek
    unmuteButton();
    note(video.dataset.noteWaiting);
  } else {
    video.preload = "metadata";
  }
  play();
}
