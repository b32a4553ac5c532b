// The browser the browser tests drive: Debian's Chromium through playwright-core (the project never downloads a
// browser; scripts/install-chromium.sh installs this one), shut off from everything but 127.0.0.1.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// .ci/run installs Debian's chromium package; this is where it puts the browser.
const CHROMIUM = '/usr/bin/chromium';
// No sandbox (tests run as root in a VM) and no background traffic: nothing but 127.0.0.1 is reachable here.
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--no-proxy-server', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', // and no name resolves to elsewhere
];

/** Runs `fn` with a fresh Chromium, closed afterwards whatever happened. */
export async function inBrowser(fn: (browser: Browser) => Promise<void>): Promise<void> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    await fn(browser);
  } finally {
    await browser.close();
  }
}
