// Webhook delivery (src/daemon/remote/notify.ts) against a receiver on 127.0.0.1: a redirect is not followed and
// not retried (it could lead a notice anywhere), a 5xx is retried until it is taken, and no URL reaches the log.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Logger } from 'pino';
import { Notifier, type Notice } from '../../src/daemon/remote/notify.js';
import type { Webhook } from '../../src/protocol/config.js';
import { waitFor } from '../helpers/harness.js';

interface Line { level: string; fields: Record<string, unknown>; msg: string }

function recordingLog(lines: Line[]): Logger {
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) => lines.push({ level, fields, msg });
  return { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') } as unknown as Logger;
}

const notice: Notice = { event: 'exited', session: 's1', sessionName: 'one', at: new Date(0).toISOString() };

describe('webhook delivery', () => {
  let server: Server;
  let base = '';
  const hits: string[] = [];
  let failuresLeft = 2;

  before(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      req.resume();
      if (req.url?.startsWith('/moved')) res.writeHead(302, { location: '/elsewhere' }).end();
      else if (req.url === '/flaky' && failuresLeft-- > 0) res.writeHead(503).end();
      else res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((r) => server.close(r)));

  it('does not follow a redirect, and gives up on it at once', async () => {
    const lines: Line[] = [];
    const hooks: Webhook[] = [{ url: `${base}/moved?token=secret-in-url`, events: ['exited'], content: false }];
    const n = new Notifier(() => hooks, recordingLog(lines), () => Promise.resolve());
    n.notify(notice);
    const given = await waitFor(() => lines.find((l) => l.msg === 'webhook delivery given up'), 'the delivery to be given up');
    assert.deepEqual(given.fields, { webhook: 0, host: new URL(base).host, event: 'exited', attempts: 1, why: 'answered 302' });
    assert.deepEqual(hits.filter((h) => h !== '/flaky'), ['/moved?token=secret-in-url'], 'sent once, the redirect not followed');
    assert.ok(!JSON.stringify(lines).includes('secret-in-url'), 'the URL is not logged');
    n.close();
  });

  it('retries a 5xx until the receiver takes the notice', async () => {
    const lines: Line[] = [];
    const slept: number[] = [];
    const n = new Notifier(() => [{ url: `${base}/flaky`, events: ['exited'], content: false }], recordingLog(lines), (ms) => {
      slept.push(ms);
      return Promise.resolve();
    });
    n.notify(notice);
    await waitFor(() => hits.filter((h) => h === '/flaky').length === 3, 'the third attempt');
    assert.deepEqual(slept, [1_000, 2_000], 'backed off 1 s, then 2 s');
    assert.deepEqual(lines.map((l) => l.fields.why), ['answered 503', 'answered 503']);
    n.close();
  });
});
