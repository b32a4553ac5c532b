// The CLI's raw HTTP client over the daemon's unix socket: an answer that arrives in full counts even when the
// daemon closes before the last of a large request was written (EPIPE), and no answer is still an error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { socketRequest } from '../../src/cli/socket-http.js';

describe('socketRequest', () => {
  let dir = '';
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A stand-in daemon that, on the first bytes of a request, does `onData` with the connection. */
  async function daemon(onData: (sock: Socket) => void): Promise<string> {
    dir = mkdtempSync(join(tmpdir(), 'rcd-sock-'));
    const path = join(dir, 's');
    server = createServer((sock) => {
      sock.on('error', () => undefined);
      sock.once('data', () => onData(sock));
    });
    await new Promise<void>((r) => server?.listen(path, r));
    return path;
  }

  it('takes a whole answer given before the request was read to its end, whatever happens to the rest of the write', async () => {
    const body = '{"error":{"code":"BAD_REQUEST","message":"too big"}}';
    const path = await daemon((sock) => {
      sock.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
      sock.destroy(); // unread request bytes left behind: the client's remaining writes fail
    });
    const answer = await socketRequest(path, '/v1/send', JSON.stringify({ text: 'x'.repeat(8 * 1024 * 1024) }));
    assert.equal(answer.status, 400);
    assert.equal(answer.body, body);
  });

  it('fails when the connection ends without a whole answer', async () => {
    const path = await daemon((sock) => {
      sock.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"partial":');
      sock.destroy();
    });
    await assert.rejects(socketRequest(path, '/v1/send', JSON.stringify({ text: 'x'.repeat(8 * 1024 * 1024) })));
  });
});
