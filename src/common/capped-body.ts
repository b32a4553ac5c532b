// Reading a request body with a size cap, shared by the daemon's control API and the relay. Past the cap the
// caller answers 413 at once while the rest of the body is read and thrown away (bounded): a socket closed on
// unread data makes the client's next write fail, and many clients then never read the answer.
import type { IncomingMessage } from 'node:http';

// How much of an oversized body is discarded so the 413 reaches the client before the connection is cut instead.
const DISCARD_FACTOR = 16;

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

function discardRest(req: IncomingMessage, limit: number): void {
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_FACTOR * limit) req.destroy();
  });
  req.resume();
}

/** The body as UTF-8; rejects with BodyTooLarge past `limit`, and with `{ aborted: true }` if the client hangs up. */
export function readCappedBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      discardRest(req, limit);
      reject(new BodyTooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        discardRest(req, limit);
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    req.on('aborted', () => reject(Object.assign(new Error('client went away'), { aborted: true })));
  });
}
