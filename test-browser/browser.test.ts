// The session URL in a real browser (Debian's Chromium, driven by playwright-core): the page shows the session's
// output, follows new output, and its prompt box reaches the agent through the relay and the daemon's link.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../test/helpers/harness.js';
import { withRelay } from '../test/helpers/relay.js';
import { startMockMessagesApi } from '../test/helpers/mock-messages-api.js';
import { claudeRcd } from '../test/helpers/claude.js';
import { inBrowser } from './chromium.js';

describe('session page in a browser', () => {
  it('shows output, follows it, and sends a prompt that reaches the agent', async () => {
    const rcd = new Rcd();
    await withRelay(rcd, () => inBrowser(async (browser) => {
      const cwd = rcd.workdir('w');
      await rcd.ok(['start', '--cwd', cwd, '--name', 'web', '--', process.execPath, fixture('echo.mjs')]);
      const url = (await rcd.ok(['url', 'web'])).trim();
      await waitFor(async () => (await rcd.ok(['remote', 'logs', url])).includes('ready'), 'the output to reach the relay');

      const page = await browser.newPage();
      await page.goto(url);
      await page.locator('#out', { hasText: 'ready' }).waitFor({ timeout: 10_000 });
      assert.match(await page.title(), /web/, 'the name, read with the key in the address');

      await rcd.ok(['send', 'web', 'typed locally']); // new output is followed without a reload
      await page.locator('#out', { hasText: 'echo: typed locally' }).waitFor({ timeout: 10_000 });

      await page.fill('#text', 'sent from the browser');
      await page.click('#submit');
      await page.locator('#out', { hasText: 'echo: sent from the browser' }).waitFor({ timeout: 15_000 });
      assert.ok((await rcd.logs('web')).includes('echo: sent from the browser\n'), 'the agent got the prompt');
      assert.equal((await page.locator('#state').textContent())?.trim(), 'running');

      // The view URL reads the same session and offers nothing to steer with.
      const viewer = await browser.newPage();
      await viewer.goto((await rcd.ok(['url', 'web', '--view'])).trim());
      await viewer.locator('#out', { hasText: 'echo: sent from the browser' }).waitFor({ timeout: 10_000 });
      assert.equal((await viewer.locator('#scope').textContent())?.trim(), 'view only');
      assert.equal(await viewer.locator('#send').isVisible(), false, 'no prompt box on a view URL');
    }));
  });

  it('a device URL lists the sessions by name; a link opens one, which follows output and takes a prompt', async () => {
    const rcd = new Rcd();
    await withRelay(rcd, () => inBrowser(async (browser) => {
      for (const name of ['north', 'south']) {
        await rcd.ok(['start', '--cwd', rcd.workdir(name), '--name', name, '--', process.execPath, fixture('echo.mjs')]);
      }
      const device = (await rcd.ok(['url', '--device'])).trim();
      await waitFor(async () => (await rcd.ok(['remote', 'logs', device, '--session', 'south'])).includes('ready'), 'the output to reach the relay');

      const page = await browser.newPage();
      await page.goto(device);
      const link = page.getByRole('link', { name: 'south' });
      await link.waitFor({ timeout: 10_000 });
      assert.equal(await page.getByRole('link', { name: 'north' }).count(), 1);
      await link.click();
      await page.locator('#out', { hasText: 'ready' }).waitFor({ timeout: 10_000 });
      assert.match(await page.title(), /south/);
      assert.match(page.url(), /\/d\/[0-9a-f]{16}\/s\/[0-9a-f]{16}#c\./, 'the session under the device URL, with its key');
      await page.getByRole('textbox', { name: 'Prompt' }).fill('from the device page');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('#out', { hasText: 'echo: from the device page' }).waitFor({ timeout: 15_000 });
      assert.ok((await rcd.logs('south')).includes('echo: from the device page\n'), 'the agent got the prompt');
      assert.ok(!(await rcd.logs('north')).includes('from the device page'));
    }));
  });

  it('renders a claude session readably and its Approve button lets the waiting tool call run', async () => {
    const api = await startMockMessagesApi();
    const rcd = claudeRcd('rcd-browser-', api.url);
    try {
      await withRelay(rcd, () => inBrowser(async (browser) => {
        await rcd.ok(['start', '--agent', 'claude', '--cwd', rcd.workdir('cc'), '--name', 'cc']);
        await rcd.ok(['send', 'cc', 'hello page']);
        const url = (await rcd.ok(['url', 'cc'])).trim();
        await waitFor(async () => (await rcd.ok(['remote', 'logs', url])).includes('turn done'), 'the turn to reach the relay');

        const page = await browser.newPage();
        await page.goto(url);
        await page.locator('#out', { hasText: 'echo: hello page' }).waitFor({ timeout: 10_000 });
        assert.ok(!(await page.locator('#out').textContent())?.includes('"type"'), 'no raw JSON on the page');

        await page.fill('#text', 'run: echo clicked-$((6*7))');
        await page.click('#submit');
        await page.locator('#out', { hasText: 'waiting for approval' }).waitFor({ timeout: 15_000 });
        await page.locator('#approval').waitFor({ state: 'visible', timeout: 15_000 });
        await page.locator('#oldest', { hasText: 'Bash: echo clicked-$((6*7))' }).waitFor({ timeout: 15_000 });
        await page.click('#approve');
        await page.locator('#out', { hasText: 'tool said: clicked-42' }).waitFor({ timeout: 15_000 });
        const [a] = JSON.parse(await rcd.ok(['approvals', 'cc', '--all', '--json'])) as { state: string; decidedBy: string }[];
        assert.deepEqual([a?.state, a?.decidedBy], ['allowed', 'remote']);
      }));
    } finally {
      await api.close();
    }
  });
  it('answers a question with an option button and accepts a plan into a mode with the page\'s buttons', async () => {
    const api = await startMockMessagesApi();
    const rcd = claudeRcd('rcd-browser-', api.url);
    try {
      await withRelay(rcd, () => inBrowser(async (browser) => {
        await rcd.ok(['start', '--agent', 'claude', '--cwd', rcd.workdir('qp'), '--name', 'qp', '--', '--permission-mode', 'plan']);
        const url = (await rcd.ok(['url', 'qp'])).trim();
        const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
        await page.goto(url);
        await page.locator('#state', { hasText: 'running' }).waitFor({ timeout: 10_000 });

        await page.getByRole('textbox', { name: 'Prompt' }).fill('ask: Which color? = red | green | blue');
        await page.getByRole('button', { name: 'Send' }).click();
        const green = page.getByRole('button', { name: 'green' });
        await green.waitFor({ timeout: 15_000 });
        assert.equal(await page.getByRole('button', { name: 'Approve' }).isVisible(), false, 'a question is answered, not approved');
        await green.click();
        await page.locator('#out', { hasText: '"Which color?"="green"' }).waitFor({ timeout: 15_000 });

        await page.getByRole('textbox', { name: 'Prompt' }).fill('plan: 1. write the test\n2. make it pass');
        await page.getByRole('button', { name: 'Send' }).click();
        await page.locator('#oldest', { hasText: 'write the test' }).waitFor({ timeout: 15_000 });
        assert.equal(await page.getByRole('button', { name: 'Keep planning' }).isVisible(), true);
        await page.getByLabel('mode').selectOption('acceptEdits');
        await page.getByRole('button', { name: 'Accept with mode' }).click();
        await page.locator('#out', { hasText: 'User has approved your plan' }).waitFor({ timeout: 15_000 });
        await waitFor(async () => (JSON.parse(await rcd.ok(['status', '--json'])) as { sessions: { permissionMode: string }[] }).sessions[0]?.permissionMode === 'acceptEdits', 'acceptEdits');
        const decided = JSON.parse(await rcd.ok(['approvals', 'qp', '--all', '--json'])) as { kind: string; state: string; decidedBy: string }[];
        assert.deepEqual(decided.map((a) => [a.kind, a.state, a.decidedBy]), [['question', 'allowed', 'remote'], ['plan', 'allowed', 'remote']]);
        assert.equal(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), true, 'nothing scrolls sideways at 390 px');
      }));
    } finally {
      await api.close();
    }
  });
});
