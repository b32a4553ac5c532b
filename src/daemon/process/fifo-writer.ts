// Writes text into sessions' stdin FIFOs. Writes to one session are queued so two senders never interleave;
// the FIFO is opened non-blocking (the agent holds it open, so this never waits for a reader) and wrapped in a
// net.Socket so a full pipe is waited on by the event loop instead of blocking it.
import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { RcdError, errnoCode } from '../../common/errors.js';

// An agent that leaves 64 KiB of input unread this long is not reading it; say so rather than hang `rcd send`.
export const SEND_TIMEOUT_MS = 10_000;

export class FifoWriter {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly open = new Set<Socket>();

  write(key: string, path: string, data: Buffer): Promise<number> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.writeOnce(path, data));
    this.queues.set(key, next);
    void next.catch(() => undefined).finally(() => {
      if (this.queues.get(key) === next) this.queues.delete(key);
    });
    return next;
  }

  close(): void {
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  private writeOnce(path: string, data: Buffer): Promise<number> {
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if (errnoCode(err) === 'ENXIO') throw new RcdError('NOT_RUNNING', 'the agent is no longer reading its input');
      throw new RcdError('INTERNAL', `cannot open the session's input: ${(err as Error).message}`, { cause: err });
    }
    const sock = new Socket({ fd, readable: false, writable: true });
    this.open.add(sock);
    return new Promise<number>((resolve, reject) => {
      const finish = (err?: Error) => {
        clearTimeout(timer);
        this.open.delete(sock);
        sock.destroy();
        if (err) reject(err);
        else resolve(data.length);
      };
      const timer = setTimeout(
        () => finish(new RcdError('NOT_RUNNING', `the agent did not read its input within ${SEND_TIMEOUT_MS / 1000} s`)),
        SEND_TIMEOUT_MS,
      );
      sock.on('error', (err) => finish(new RcdError('NOT_RUNNING', `could not write to the agent: ${err.message}`, { cause: err })));
      sock.end(data, () => finish());
    });
  }
}
