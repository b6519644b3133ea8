// What the browser scripts share: playwright-core from the npm folder
// `cargo xtask setup` filled (FARMLIVE_NPM_DIR), Debian's chromium
// (CHROMIUM), and a phone-sized page context.

import { createRequire } from "node:module";
import { join } from "node:path";

// A module from the npm folder (playwright-core, hls.js, …).
export const requireNpm = createRequire(join(process.env.FARMLIVE_NPM_DIR, "node_modules", "x.js"));

// Where a package's files are in the npm folder.
export const npmPath = (...parts) => join(process.env.FARMLIVE_NPM_DIR, "node_modules", ...parts);

// Starts chromium headless.
export async function launch() {
  const { chromium } = requireNpm("playwright-core");
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      // Root in a container has no user namespaces for the sandbox.
      "--no-sandbox",
      // Headless chromium is the desktop browser: each new window preloads
      // its own top-chrome WebUI (the omnibox popup) in a renderer of its
      // own, 0.6–1 s of CPU that competes with the page on a 2-core
      // machine. No buyer's phone browser runs it (relay_latency's TRACE).
      "--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup",
    ],
  });
}

// A new context the size of a phone (390×844), in English.
export function phoneContext(browser, extra = {}) {
  return browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: "en-US",
    ...extra,
  });
}
