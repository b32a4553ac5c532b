// The session URL in a real browser (Debian's Chromium, driven by playwright-core): the page shows the session's
// output, follows new output, and its prompt box reaches the agent through the relay and the daemon's link. A claude
// session reads as a conversation (Markdown, folded tool calls, diffs, turn footers) on a phone (390×844, touch) and
// on a desktop, light and dark, with nothing scrolling sideways; a long session loads from its end, older pages on
// demand, and a reader who scrolled up is not pulled down.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../test/helpers/harness.js';
import { withRelay } from '../test/helpers/relay.js';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { inBrowser } from './chromium.js';
import { withClaudeInBrowser } from './claude-page.js';

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
    await withClaudeInBrowser('rcd-browser-', async (rcd, browser) => {
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

      // Deny with a reason: the agent is told it.
      await page.fill('#text', 'run: echo never-run');
      await page.click('#submit');
      await page.locator('#oldest', { hasText: 'Bash: echo never-run' }).waitFor({ timeout: 15_000 });
      await page.getByLabel('Reason').fill('not on a Friday');
      await page.getByRole('button', { name: 'Deny' }).click();
      await page.locator('#out', { hasText: 'tool failed: not on a Friday' }).waitFor({ timeout: 15_000 });
      // Always: allowed, and the same command then runs without asking.
      await page.fill('#text', 'run: echo every-time');
      await page.click('#submit');
      await page.locator('#oldest', { hasText: 'Bash: echo every-time' }).waitFor({ timeout: 15_000 });
      await page.getByRole('button', { name: 'Always' }).click();
      await page.locator('#out', { hasText: 'tool said: every-time' }).waitFor({ timeout: 15_000 });
      const asked = () => rcd.ok(['approvals', 'cc', '--all', '--json']).then((j) => (JSON.parse(j) as unknown[]).length);
      const before = await asked();
      await rcd.ok(['send', 'cc', 'run: echo every-time']);
      await waitFor(async () => ((await rcd.logs('cc')).match(/tool said: every-time/g) ?? []).length === 2, 'the same command to run again');
      assert.equal(await asked(), before, 'without asking again');
      // The permission mode, switched from the page.
      await page.getByLabel('Permission mode').selectOption('acceptEdits');
      await page.getByRole('button', { name: 'Switch' }).click();
      await waitFor(async () => (await rcd.session('cc') as unknown as { permissionMode: string }).permissionMode === 'acceptEdits', 'the mode switched from the page');
    });
  });
  it('answers a question with an option button and accepts a plan into a mode with the page\'s buttons', async () => {
    await withClaudeInBrowser('rcd-browser-', async (rcd, browser) => {
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
      await page.locator('#accept-mode').selectOption('acceptEdits');
      await page.getByRole('button', { name: 'Accept with mode' }).click();
      await page.locator('#out', { hasText: 'User has approved your plan' }).waitFor({ timeout: 15_000 });
      await waitFor(async () => (JSON.parse(await rcd.ok(['status', '--json'])) as { sessions: { permissionMode: string }[] }).sessions[0]?.permissionMode === 'acceptEdits', 'acceptEdits');
      const decided = JSON.parse(await rcd.ok(['approvals', 'qp', '--all', '--json'])) as { kind: string; state: string; decidedBy: string }[];
      assert.deepEqual(decided.map((a) => [a.kind, a.state, a.decidedBy]), [['question', 'allowed', 'remote'], ['plan', 'allowed', 'remote']]);
      assert.equal(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), true, 'nothing scrolls sideways at 390 px');
    });
  });
  it('reads a claude session on a phone and a desktop: Markdown, inert agent HTML, folded tool calls, a diff, turn footers', async () => {
    await withClaudeInBrowser('rcd-browser-', async (rcd, browser) => {
      await rcd.ok(['start', '--agent', 'claude', '--cwd', rcd.workdir('md'), '--name', 'md']);
      const long = `${'wide_'.repeat(60)}end`;
      await rcd.ok(['send', 'md', `Here:\n\n# Plan\n\n- **bold point** and \`code\`\n- [docs](https://example.com/docs) and [bad](javascript:window.pwned=1)\n\n<img src=x onerror="window.pwned=2"> <script>window.pwned=3</script>\n\n\`\`\`\n${long}\n\`\`\``]);
      await rcd.ok(['send', 'md', 'edit: src/a.ts :: const a = 1;\nkeep();\nold_line(); => const a = 1;\nkeep();\nnew_line();']);
      await rcd.ok(['send', 'md', `write: notes.md :: first written\nsecond written ${long}`]);
      // The fake Claude Code asks before a Write in the default mode, as the real one does.
      await waitFor(async () => (await rcd.ok(['approvals', 'md'])).includes('Write'), 'the Write to ask for approval');
      await rcd.ok(['approve', 'md']);
      const url = (await rcd.ok(['url', 'md'])).trim();
      await waitFor(async () => ((await rcd.ok(['remote', 'logs', url])).match(/turn done/g) ?? []).length >= 3, 'three turns to reach the relay');

      const phone: BrowserContextOptions = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 3 };
      const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, colorScheme: 'dark' };
      for (const [name, options] of [['phone', phone], ['desktop', desktop]] as const) {
        const { page, errors } = await open(browser, url, options);
        const out = page.locator('#out');
        await out.locator('.md strong', { hasText: 'bold point' }).waitFor({ timeout: 10_000 });
        assert.equal(await out.locator('.md h1', { hasText: 'Plan' }).count(), 1, `${name}: a heading`);
        assert.equal(await out.locator('.md li code', { hasText: 'code' }).count(), 1);
        const link = out.locator('a', { hasText: 'docs' });
        assert.equal(await link.getAttribute('href'), 'https://example.com/docs');
        assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
        assert.equal(await out.locator('a[href^="javascript"], img, script, iframe').count(), 0, `${name}: agent HTML and unsafe links stay inert`);
        const text = (await out.textContent()) ?? '';
        assert.ok(text.includes('<img src=x onerror="window.pwned=2">') && text.includes('<script>window.pwned=3</script>'), 'shown as text');
        assert.ok(text.includes('bad (javascript:window.pwned=1)'), 'an unsafe link is its text and its target, unlinked');
        assert.equal(await page.evaluate('window.pwned'), undefined);

        // The Edit: one folded line, its diff below; opening it shows the result.
        const edit = out.locator('.tool', { hasText: 'Edit: src/a.ts' });
        assert.deepEqual(await edit.locator('.diff .del').allTextContents(), ['- old_line();\n']);
        assert.deepEqual(await edit.locator('.diff .add').allTextContents(), ['+ new_line();\n']);
        assert.equal(await edit.locator('.diff .ctx').count(), 2);
        const result = edit.locator('pre.result');
        assert.equal(await result.isVisible(), false, 'the result is folded');
        await edit.locator('summary').click();
        await result.waitFor({ state: 'visible' });
        assert.match((await result.textContent()) ?? '', /No such tool available: Edit/);
        const write = out.locator('.tool', { hasText: 'Write: notes.md' });
        assert.equal(await write.locator('.diff .add').count(), 2, 'a Write is all added');
        assert.equal(await write.locator('.diff .del, .diff .ctx').count(), 0);
        assert.equal(await out.locator('.turn', { hasText: /turn done · \d+ turns? · \$0\.\d{4} · \d+\.\d s/ }).count(), 3, 'each turn ends with its cost and duration');

        // Nothing scrolls sideways: the long line scrolls inside its code block and its diff.
        assert.equal(await page.evaluate('document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth'), true, `${name}: no sideways scroll`);
        if (name === 'phone') {
          assert.equal(await out.locator('pre.code').evaluate((el) => el.scrollWidth > el.clientWidth), true, 'the code block scrolls within itself');
          for (const target of [edit.locator('summary'), page.locator('#submit'), page.locator('#interrupt')]) {
            const box = await target.boundingBox();
            assert.ok(box && box.height >= 44, `touch target ${String(box?.height)} px high`);
          }
        }
        const bg = await page.evaluate('getComputedStyle(document.body).backgroundColor');
        assert.equal(bg, name === 'phone' ? 'rgb(250, 250, 250)' : 'rgb(22, 24, 26)', `${name}: the ${name === 'phone' ? 'light' : 'dark'} theme`);
        assert.deepEqual(errors, [], `${name}: no page error`);
        await page.context().close();
      }
    });
  });

  it('shows a long session from its end, loads older output on demand without moving the view, and keeps a reader who scrolled up', async () => {
    const rcd = new Rcd();
    await withRelay(rcd, () => inBrowser(async (browser) => {
      await rcd.ok(['start', '--cwd', rcd.workdir('long'), '--name', 'long', '--', process.execPath, fixture('colours.mjs'), '600', '4']);
      const url = (await rcd.ok(['url', 'long'])).trim();
      await waitFor(async () => (await rcd.ok(['remote', 'logs', url])).includes('line 600'), 'the output to reach the relay', 30_000);

      const { page, errors } = await open(browser, url, { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
      const out = page.locator('#out');
      await out.locator('pre.term', { hasText: 'line 600' }).waitFor({ timeout: 10_000 });
      const earlier = page.locator('#earlier');
      assert.equal(await earlier.isVisible(), true, 'older output is offered, not loaded');
      assert.doesNotMatch((await out.textContent()) ?? '', /^line 1\n/, 'the start is not loaded yet');
      // Colours as spans; the window-title escape nowhere.
      assert.ok((await out.locator('span.t-f2').count()) > 0);
      const shown = (await out.textContent()) ?? '';
      assert.ok(!shown.includes('title') && !shown.includes(String.fromCharCode(27)), 'no escape and no window title in the text');

      // Load earlier: what was at the top of the output stays where it was on the screen.
      for (let pages = 0; await earlier.isVisible(); pages++) {
        assert.ok(pages < 20, 'a few pages reach the start');
        await page.evaluate('window.scrollTo(0, 0)');
        const first = out.locator('pre.term').first();
        await first.evaluate((el, n) => el.setAttribute('data-mark', String(n)), pages);
        const top = (await first.boundingBox())?.y ?? 0;
        const count = await out.locator('pre.term').count();
        await earlier.click();
        await waitFor(async () => (await out.locator('pre.term').count()) > count || !(await earlier.isVisible()), 'an older page');
        const after = (await out.locator(`pre.term[data-mark="${pages}"]`).boundingBox())?.y ?? 0;
        assert.ok(Math.abs(after - top) <= 2, `the view stayed put (${top} → ${after})`);
      }
      const lines = ((await out.textContent()) ?? '').split('\n').filter(Boolean);
      assert.deepEqual(lines, Array.from({ length: 600 }, (_, i) => `line ${i + 1}`), 'every line once, in order, across the pages');

      // Scrolled up, new output does not pull the reader down: a button offers the end.
      await page.evaluate('window.scrollTo(0, 0)');
      await rcd.ok(['send', 'long', 'while you read']);
      await out.locator('pre.term', { hasText: 'echo: while you read' }).waitFor({ timeout: 10_000 });
      assert.equal(await page.evaluate('window.scrollY'), 0, 'still where the reader was');
      await page.locator('#new-output').click();
      await waitFor(async () => (await page.evaluate('window.innerHeight + window.scrollY >= document.scrollingElement.scrollHeight - 2')) === true, 'at the end');
      assert.equal(await page.locator('#new-output').isVisible(), false);
      // At the end, new output is followed.
      await rcd.ok(['send', 'long', 'followed']);
      await out.locator('pre.term', { hasText: 'echo: followed' }).waitFor({ timeout: 10_000 });
      await waitFor(async () => (await page.evaluate('window.innerHeight + window.scrollY >= document.scrollingElement.scrollHeight - 2')) === true, 'still at the end');
      assert.equal(await page.evaluate('document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth'), true);
      assert.deepEqual(errors, []);
    }));
  });
});

/** A page on `url` in a context of its own, and the errors it throws (none may). */
async function open(browser: Browser, url: string, options: BrowserContextOptions): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext(options)).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}
