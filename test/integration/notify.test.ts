// Webhooks (config.json notify) against a local HTTP receiver on 127.0.0.1: a session that needs a person (a question)
// and one that ends are told about, a turn's end too; a refused delivery is retried; content (the request's text)
// goes only to a webhook that asks for it, and a webhook gets only the events it names.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor, type Rcd } from '../helpers/harness.js';
import { claudeRcd } from '../helpers/claude.js';
import { startMockMessagesApi, type MockMessagesApi } from '../helpers/mock-messages-api.js';

interface Delivery { path: string; body: Record<string, unknown>; status: number }

describe('webhooks', () => {
  let rcd: Rcd;
  let api: MockMessagesApi;
  let server: Server;
  const got: Delivery[] = [];
  let refuseNext = 1; // the first delivery to /all is refused with 503: it must come again

  before(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const status = req.url === '/all' && refuseNext-- > 0 ? 503 : 204;
        got.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown>, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    api = await startMockMessagesApi();
    rcd = claudeRcd('rcd-notify-', api.url);
    writeFileSync(join(rcd.home, 'config.json'), JSON.stringify({
      notify: [
        { url: `http://127.0.0.1:${port}/all` },
        { url: `http://127.0.0.1:${port}/questions`, events: ['question'], content: true },
      ],
    }));
  });
  after(async () => {
    try {
      assert.deepEqual(await rcd.teardown(), []);
    } finally {
      await api.close();
      await new Promise((r) => server.close(r));
    }
  });

  const delivered = (path: string, event: string) =>
    waitFor(() => got.find((d) => d.path === path && d.status < 300 && d.body.event === event), `${event} at ${path}`);

  it('a session that ends is told about, after a refused first delivery', async () => {
    await rcd.ok(['start', '--name', 'short', '--cwd', rcd.workdir('short'), '--', process.execPath, '-e', 'process.exit(3)']);
    const d = await delivered('/all', 'exited');
    assert.deepEqual([d.body.sessionName, d.body.exitCode], ['short', 3]);
    assert.match(String(d.body.at), /^\d{4}-\d\d-\d\dT/);
    assert.equal(got.filter((x) => x.path === '/all' && x.body.event === 'exited').map((x) => x.status).join(','), '503,204', 'retried once');
    assert.ok(!got.some((x) => x.path === '/questions' && x.body.event === 'exited'), 'a webhook gets only the events it names');
  });

  it('a question is told about, its text only to the webhook that asks for content; a turn\'s end too', async () => {
    await rcd.ok(['start', '--agent', 'claude', '--name', 'cc', '--cwd', rcd.workdir('cc')]);
    await rcd.ok(['send', 'cc', 'ask: Which color? = red | green']);
    const plain = await delivered('/all', 'question');
    const full = await delivered('/questions', 'question');
    assert.equal((plain.body.request as { tool: string }).tool, 'AskUserQuestion');
    assert.equal(plain.body.text, undefined, 'no content unless asked for');
    assert.match(String(full.body.text), /Which color\?/);
    await rcd.ok(['answer', 'cc', 'red']);
    const turn = await delivered('/all', 'turn');
    assert.equal((turn.body.turn as { ok: boolean }).ok, true);
    assert.equal(turn.body.result, undefined);
    await rcd.ok(['stop', 'cc']);
  });
});
