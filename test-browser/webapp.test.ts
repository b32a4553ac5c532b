// The device page as a web app, in Chromium against a real daemon and relay on 127.0.0.1: the session list (a session
// waiting for a person first, marked; changes shown without a reload), the start form (remoteStartRoots, a
// subdirectory, a start, a refusal), the manifest, icons and service worker (the shell cached, no /api/ answer; the
// page starts again with the relay stopped), and the Notify button as far as a headless Chromium goes. On a phone
// (390×844, touch) and a desktop, with nothing scrolling sideways and no page error. RCD_SCREENSHOTS=1 also saves
// phone-size screenshots into docs/screenshots/ (README, "The web app").
import assert from 'node:assert/strict';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../test/helpers/harness.js';
import { withRelay } from '../test/helpers/relay.js';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { inBrowser } from './chromium.js';
import { withClaudeInBrowser } from './claude-page.js';

const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 };
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, colorScheme: 'dark' };
const SHOTS = process.env.RCD_SCREENSHOTS === '1' ? join(process.cwd(), 'docs', 'screenshots') : null;

async function open(browser: Browser, url: string, options: BrowserContextOptions): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext(options)).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}

const noSidewaysScroll = (page: Page) => page.evaluate('document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth');

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

describe('device page as a web app', () => {
  it('lists a waiting session first and marked, and follows state changes without a reload, on a phone and a desktop', async () => {
    await withClaudeInBrowser('rcd-webapp-', async (rcd, browser) => {
      await rcd.ok(['start', '--agent', 'claude', '--cwd', rcd.workdir('cc'), '--name', 'cc']);
      await rcd.ok(['send', 'cc', 'run: echo from-the-list']);
      await waitFor(async () => (await rcd.ok(['approvals', 'cc'])).includes('Bash'), 'the tool call to ask for approval');
      // Started later, so it changed last: only its waiting puts cc first.
      await rcd.ok(['start', '--cwd', rcd.workdir('plain'), '--name', 'plain', '--', process.execPath, fixture('echo.mjs')]);
      const device = (await rcd.ok(['url', '--device'])).trim();
      await waitFor(async () => (await rcd.ok(['remote', 'status', device])).includes('plain'), 'both sessions on the relay');

      for (const [name, options] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
        const { page, errors } = await open(browser, device, options);
        const rows = page.locator('#sessions > li');
        await page.locator('#sessions li', { hasText: 'plain' }).waitFor({ timeout: 15_000 });
        const first = rows.first();
        assert.equal(await first.getByRole('link').textContent(), 'cc', `${name}: the waiting session first`);
        assert.equal((await first.locator('.mark').textContent())?.trim(), 'needs you: approval');
        assert.match((await first.textContent()) ?? '', /running.*claude.*(just now|min ago)/);
        const plain = page.locator('#sessions li', { hasText: 'plain' });
        assert.equal(await plain.locator('.mark').count(), 0, 'nothing marks a session nobody is needed for');
        assert.match((await plain.textContent()) ?? '', /running\s*generic/);
        assert.match(await page.title(), /^\(1\) rcd device$/);
        assert.equal(await noSidewaysScroll(page), true, `${name}: no sideways scroll`);
        if (name === 'phone') {
          await shot(page, 'device-view');
          for (const target of [first.getByRole('link'), page.locator('#start > summary'), page.locator('#notify-on')]) {
            const box = await target.boundingBox();
            assert.ok(box && box.height >= 44, `touch target ${String(box?.height)} px high`);
          }
          // The link opens the session under the device URL; its approval box, as a phone shows it.
          await first.getByRole('link').click();
          await page.locator('#oldest', { hasText: 'echo from-the-list' }).waitFor({ timeout: 15_000 });
          await shot(page, 'approval');
          await page.goBack();
          await rows.first().waitFor({ timeout: 10_000 });
        } else {
          // Live: the state changes on the daemon and the list shows it, no reload (the page's own marker stays).
          await page.evaluate('window.notReloaded = true');
          await rcd.ok(['stop', 'plain']);
          await plain.locator('.state', { hasText: /stopped|exited/ }).waitFor({ timeout: 20_000 });
          await rcd.ok(['approve', 'cc']);
          await waitFor(async () => (await rows.first().locator('.mark').count()) === 0, 'the mark to go once approved', 20_000);
          assert.equal(await page.evaluate('window.notReloaded'), true, 'no reload');
          assert.match(await page.title(), /^rcd device$/);
          // Keyboard: Tab reaches the first session's link.
          await page.keyboard.press('Tab');
          assert.equal(await page.evaluate('document.activeElement?.tagName'), 'A');
          assert.equal(await page.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(22, 24, 26)', 'dark theme');
        }
        assert.deepEqual(errors, [], `${name}: no page error`);
        await page.context().close();
      }
    });
  });

  it('starts a session from the form in a subdirectory of a root, and shows a refusal\'s reason', async () => {
    const rcd = new Rcd('rcd-webapp-');
    await withRelay(rcd, () => inBrowser(async (browser) => {
      await rcd.ok(['start', '--cwd', rcd.workdir('first'), '--name', 'first', '--', process.execPath, fixture('echo.mjs')]);
      await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link to connect');
      const device = (await rcd.ok(['url', '--device'])).trim();
      const { page, errors } = await open(browser, device, PHONE);
      await page.locator('#sessions li', { hasText: 'first' }).waitFor({ timeout: 15_000 });
      // Off until remoteStartRoots allows it: the daemon's reason, shown.
      await page.locator('#start > summary').click();
      assert.equal(await page.getByRole('button', { name: 'Start' }).isDisabled(), true, 'nothing to start before a directory is chosen');
      await page.locator('#dirs-note', { hasText: /The daemon refused: remote start is off on this machine.*remoteStartRoots/ }).waitFor({ timeout: 20_000 });

      const root = rcd.workdir('projects');
      mkdirSync(join(root, 'app'));
      mkdirSync(join(root, 'gone'));
      rcd.writeConfig({ remoteStartRoots: [root] });
      // The daemon reads config.json again when it changes: ask until it lists the root.
      await waitFor(async () => {
        await page.locator('#start > summary').click(); // closed…
        await page.locator('#start > summary').click(); // …and opened again: asks for the roots again
        await page.locator('#dirs-note:not(:text-is("Asking the daemon where sessions may start…"))').waitFor({ timeout: 20_000 });
        return (await page.locator('#dirs button', { hasText: root }).count()) === 1;
      }, 'the form to list the root', 30_000);
      await page.locator('#dirs button', { hasText: root }).click();
      // Exact names: the root's own button, still listed until the answer comes, has "app" in it (rcd-webapp-…).
      await page.getByRole('button', { name: 'app', exact: true }).waitFor({ timeout: 15_000 });
      assert.deepEqual(await page.locator('#dirs button').allTextContents(), ['app', 'gone']);
      await page.getByRole('button', { name: 'app', exact: true }).click();
      await page.locator('#cwd', { hasText: join(root, 'app') }).waitFor({ timeout: 15_000 });
      assert.equal(await page.getByRole('button', { name: 'Up' }).isEnabled(), true);

      await page.getByLabel('Agent').selectOption('generic');
      assert.equal(await page.getByRole('button', { name: 'Start' }).isDisabled(), true, 'a generic agent needs its command');
      await page.getByLabel(/Command/).fill(`${process.execPath} ${fixture('echo.mjs')}`);
      await page.getByLabel(/Name/).fill('from-form');
      await shot(page, 'start-form');
      await page.getByRole('button', { name: 'Start' }).click();
      const link = page.locator('#start-result a', { hasText: 'from-form' });
      await link.waitFor({ timeout: 20_000 });
      assert.match((await page.locator('#start-result').textContent()) ?? '', new RegExp(`Started from-form in ${join(root, 'app')}`));
      const s = await rcd.session('from-form');
      assert.equal((s as unknown as { cwd: string }).cwd, join(root, 'app'));
      await page.locator('#sessions li', { hasText: 'from-form' }).waitFor({ timeout: 15_000 });

      // A directory listed, then removed before the start: the daemon refuses, and the page says why.
      await page.getByRole('button', { name: 'Up' }).click();
      await page.getByRole('button', { name: 'gone', exact: true }).click();
      await page.locator('#cwd', { hasText: join(root, 'gone') }).waitFor({ timeout: 15_000 });
      rmdirSync(join(root, 'gone'));
      await page.getByLabel(/Name/).fill('never');
      await page.getByRole('button', { name: 'Start' }).click();
      await page.locator('#start-result', { hasText: /The daemon refused: .*not a directory on this machine/ }).waitFor({ timeout: 20_000 });
      assert.equal((await rcd.status()).sessions.some((x) => x.name === 'never'), false);
      assert.equal(await noSidewaysScroll(page), true);
      assert.deepEqual(errors, []);
    }));
  });

  it('is installable: the manifest and icons are served, the worker caches the shell (no /api/ answer), and the page starts with the relay stopped', async () => {
    const rcd = new Rcd('rcd-webapp-');
    await withRelay(rcd, (relay) => inBrowser(async (browser) => {
      await rcd.ok(['start', '--cwd', rcd.workdir('one'), '--name', 'one', '--', process.execPath, fixture('echo.mjs')]);
      const device = (await rcd.ok(['url', '--device'])).trim();
      const { page, errors } = await open(browser, device, DESKTOP);
      await page.locator('#sessions li', { hasText: 'one' }).waitFor({ timeout: 15_000 });

      const manifest = await page.evaluate(async () => {
        const res = await fetch('/manifest.webmanifest');
        return { type: res.headers.get('content-type'), body: (await res.json()) as { name: string; start_url: string; scope: string; icons: { src: string; type: string }[] } };
      });
      assert.equal(manifest.type, 'application/manifest+json');
      assert.equal(manifest.body.start_url, '/');
      assert.deepEqual(manifest.body.icons.map((i) => i.src), ['/icon.svg', '/icon-192.png', '/icon-512.png']);
      const icons = await page.evaluate(async (srcs) => Promise.all(srcs.map(async (src) => {
        const res = await fetch(src);
        const bytes = new Uint8Array(await res.arrayBuffer());
        return `${res.status} ${res.headers.get('content-type')} ${bytes.length > 200} ${bytes[1] === 0x50 || bytes[0] === 0x3c}`;
      })), manifest.body.icons.map((i) => i.src));
      assert.deepEqual(icons, ['200 image/svg+xml true true', '200 image/png true true', '200 image/png true true']);
      // Chromium's own verdict on the manifest (DevTools protocol): parsed without errors.
      const cdp = await page.context().newCDPSession(page);
      const parsed = await cdp.send('Page.getAppManifest') as { url: string; errors: unknown[] };
      assert.match(parsed.url, /\/manifest\.webmanifest$/);
      assert.deepEqual(parsed.errors, []);

      await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
      // A navigation under the worker puts the shell in its cache.
      await page.reload();
      await page.locator('#sessions li', { hasText: 'one' }).waitFor({ timeout: 15_000 });
      const cached = await page.evaluate(`(async () => {
        const out = [];
        for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) out.push(new URL(req.url).pathname);
        return out.sort();
      })()`) as string[];
      assert.deepEqual(cached, ['/.shell/device', '/icon-192.png', '/icon-512.png', '/icon.svg', '/manifest.webmanifest']);
      assert.equal(cached.some((p) => p.startsWith('/api/')), false, 'no API answer is kept');

      // Offline: the relay is down, the shell still loads from the worker and says it cannot reach the relay.
      await relay.stop();
      await page.reload();
      await page.locator('#checked', { hasText: 'reconnecting' }).waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('#name').textContent(), 'rcd device');
      await relay.start();
      await page.locator('#checked', { hasText: 'live' }).waitFor({ timeout: 40_000 });
      assert.deepEqual(errors, []);
    }));
  });

  it('Notify me subscribes as far as a headless Chromium allows, and says plainly when it cannot', async () => {
    const rcd = new Rcd('rcd-webapp-');
    await withRelay(rcd, () => inBrowser(async (browser) => {
      await rcd.ok(['start', '--cwd', rcd.workdir('n'), '--name', 'n', '--', process.execPath, fixture('echo.mjs')]);
      const device = (await rcd.ok(['url', '--device'])).trim();
      const { page, errors } = await open(browser, device, PHONE);
      await page.context().grantPermissions(['notifications']);
      const on = page.getByRole('button', { name: 'Notify me' });
      await on.waitFor({ timeout: 15_000 });
      await page.locator('#notify-state', { hasText: 'Notifications are off in this browser.' }).waitFor({ timeout: 15_000 });
      await on.click();
      // Chromium headless has no push service to register with (and no network here): it reports that, and the
      // page says so. With a push service, the subscription goes to the daemon (test/integration/web-device-api.test.ts).
      await page.locator('#notify-state', { hasText: /could not subscribe to notifications \(\w+: .+\)|browser is notified/ }).waitFor({ timeout: 30_000 });
      console.log(`# Notify me, headless: ${await page.locator('#notify-state').textContent()}`);
      assert.equal(await on.isEnabled(), true, 'the button can be pressed again');
      // A view-only device URL offers neither starting nor notifications.
      const viewer = await page.context().newPage();
      await viewer.goto((await rcd.ok(['url', '--device', '--view'])).trim());
      await viewer.locator('#sessions li', { hasText: 'n' }).waitFor({ timeout: 15_000 });
      assert.equal(await viewer.locator('#start').isVisible(), false);
      assert.equal(await viewer.locator('#notify').isVisible(), false);
      assert.deepEqual(errors, []);
    }));
  });
});
