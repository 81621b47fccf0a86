// Launches Debian's Chromium through playwright-core for the GUI's browser tests. Outside CI a
// missing Chromium skips those tests with the reason printed; in CI (CI=true) it is an error,
// because nothing may skip there.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.RUNYARD_CHROMIUM ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  const message = `Chromium not found at ${CHROMIUM}: run tooling/browser/install-chromium.sh (or set RUNYARD_CHROMIUM)`;
  if (process.env.CI) throw new Error(message);
  console.warn(`skipping browser tests: ${message}`);
}

/** Playwright gives every launch a fresh, temporary profile (the --user-data-dir). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}
