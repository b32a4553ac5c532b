// A stand-in relay for tests: a small HTTP server on 127.0.0.1 that speaks the daemon's side of the relay protocol
// (register, session PUT/DELETE, event upload, poll, ack) and hands the daemon whatever instructions the test
// queues — including ones a real relay would never send (a hostile relay). It records what the daemon sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutSessionRequest, UploadRequest, type RelayEvent, type RemoteSession } from '../../src/protocol/relay.js';
import { EventOpener } from '../../src/e2e/records.js';
import type { Bytes } from '../../src/e2e/webcrypto.js';

/** An instruction as the stand-in sends it: `via` may be anything, null included. */
export interface ForgedInstruction {
  id: string;
  session: string;
  kind: string;
  payload: Record<string, unknown>;
  createdAt: string;
  via: string | null;
}

// An empty poll is answered after this long: short, so the stand-in closes quickly, long enough not to spin.
const EMPTY_POLL_HOLD_MS = 300;

export class StandinRelay {
  url = '';
  readonly sessions = new Map<string, { view: RemoteSession; tokenHash: string | null }>();
  readonly events = new Map<string, RelayEvent[]>();
  readonly acked = new Set<string>();
  /** Session PUTs received, per session: a link that reconnects PUTs every session again. */
  readonly puts = new Map<string, number>();
  /** Event uploads received. */
  uploads = 0;
  /** Polls answered, and of those refused (while `refusePolls`). */
  polls = 0;
  pollsRefused = 0;
  /** While set, every poll is answered 503 with this retry-after (seconds), as a relay over its long-poll cap does. */
  refusePolls: number | null = null;
  /** When set, each event upload is answered this many ms late (a slow relay or a slow uplink). */
  uploadDelayMs = 0;
  private readonly queue: ForgedInstruction[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => reply(res, 500, { error: { code: 'INTERNAL', message: String(err) } }));
    });
  }

  static async start(): Promise<StandinRelay> {
    const relay = new StandinRelay();
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    relay.url = `http://127.0.0.1:${(relay.server.address() as AddressInfo).port}`;
    return relay;
  }

  /** Offered on every poll until the daemon acknowledges it, as a relay does. */
  deliver(i: ForgedInstruction): void {
    this.queue.push(i);
  }

  /**
   * The state events the daemon uploaded for a session, opened and parsed. They arrive sealed: a relay cannot read
   * them, so the test hands over the session's content key (read from the daemon's database).
   */
  async stateEvents(sessionId: string, key: { epoch: number; raw: Bytes }): Promise<Record<string, unknown>[]> {
    const opener = await EventOpener.withKeys(sessionId, [key]);
    const out: Record<string, unknown>[] = [];
    for (const e of this.events.get(sessionId) ?? []) {
      const opened = await opener.read(e);
      if (opened.kind === 'state') out.push(JSON.parse(EventOpener.text(opened.data)) as Record<string, unknown>);
    }
    return out;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const body = await readAll(req);
    const session = /^\/api\/daemon\/sessions\/([0-9a-f]{16})$/.exec(url.pathname)?.[1];
    if (req.method === 'POST' && url.pathname === '/api/daemon/register') {
      return reply(res, 200, { daemonId: 'standin-daemon', credential: 'standin-credential-'.padEnd(43, 'x') });
    }
    if (req.method === 'PUT' && session) {
      const put = PutSessionRequest.parse(JSON.parse(body));
      this.sessions.set(session, { view: put.session, tokenHash: put.access?.tokenHash ?? null });
      this.puts.set(session, (this.puts.get(session) ?? 0) + 1);
      return reply(res, 200, { ok: true, ackedSeq: this.ackedSeq(session) });
    }
    if (req.method === 'DELETE' && session) {
      this.sessions.delete(session);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/api/daemon/events') {
      const acked: Record<string, number> = {};
      this.uploads += 1;
      if (this.uploadDelayMs > 0) await new Promise((r) => setTimeout(r, this.uploadDelayMs));
      for (const s of UploadRequest.parse(JSON.parse(body)).sessions) {
        const held = this.events.get(s.id) ?? [];
        for (const e of s.events) if (!held.some((h) => h.seq === e.seq)) held.push(e);
        held.sort((a, b) => a.seq - b.seq);
        this.events.set(s.id, held);
        acked[s.id] = this.ackedSeq(s.id);
      }
      return reply(res, 200, { acked });
    }
    if (req.method === 'GET' && url.pathname === '/api/daemon/poll') {
      this.polls += 1;
      if (this.refusePolls !== null) {
        this.pollsRefused += 1;
        return reply(res, 503, { error: { code: 'BUSY', message: 'the stand-in holds all the long-polls it takes; retry in a moment' } }, { 'retry-after': String(this.refusePolls) });
      }
      const pending = () => this.queue.filter((i) => !this.acked.has(i.id));
      if (pending().length === 0) await new Promise((r) => setTimeout(r, EMPTY_POLL_HOLD_MS));
      return reply(res, 200, { instructions: pending() });
    }
    if (req.method === 'POST' && url.pathname === '/api/daemon/ack') {
      for (const id of (JSON.parse(body) as { ids: string[] }).ids) this.acked.add(id);
      return reply(res, 200, { ok: true });
    }
    reply(res, 404, { error: { code: 'NOT_FOUND', message: `the stand-in does not do ${req.method} ${url.pathname}` } });
  }

  /** The highest seq up to which every event of the session is held. */
  private ackedSeq(sessionId: string): number {
    let seq = 0;
    for (const e of this.events.get(sessionId) ?? []) {
      if (e.seq !== seq + 1) break;
      seq = e.seq;
    }
    return seq;
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
