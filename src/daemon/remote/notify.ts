// Webhooks (config.json `notify`): a small JSON document POSTed when a session needs a person (an approval, a
// question, a plan), ends a turn, or ends. Delivery never blocks the daemon: each webhook has a bounded queue sent in
// order in the background, retried with backoff on a network error, a 5xx or a 429, dropped (and logged) on another
// refusal or after the last attempt. A webhook URL is often a secret (Slack's, ntfy's topic): logs name it by its
// index and host, never by the URL. Works without any relay. Sent with node:http(s) (src/link/http-request.ts:
// HTTPS_PROXY/NO_PROXY honoured, one connection per delivery), not the global fetch: the daemon runs without
// WebAssembly, which fetch's HTTP parser is, and fetch's undici would cost it ~11 MB (docs/benchmarks.md).
import type { Logger } from 'pino';
import { deadline, makeAgent, send } from '../../link/http-request.js';
import type { NotifyEvent, Webhook } from '../../protocol/config.js';

export interface Notice {
  event: NotifyEvent;
  session: string;
  sessionName: string;
  at: string;
  /** approval/question/plan: the request's id, tool and kind; turn: whether it ended well, how long, what it cost. */
  [more: string]: unknown;
}

/** What only goes out with `content: true` (the request's text, the turn's result). */
export type Content = Record<string, unknown>;

// 1 s, 2 s, 4 s, 8 s, 16 s: a receiver that is restarting or rate-limits gets half a minute.
const ATTEMPTS = 6;
const FIRST_RETRY_MS = 1_000;
const CALL_TIMEOUT_MS = 10_000;
// A receiver that is down for long should not grow the daemon: the oldest notices go first.
const MAX_QUEUED = 100;

interface Queue {
  items: { notice: Notice; content: Content }[];
  busy: boolean;
}

export class Notifier {
  private readonly queues = new Map<string, Queue>();
  private closed = false;

  constructor(private readonly hooks: () => readonly Webhook[], private readonly log: Logger, private readonly sleep = defaultSleep) {}

  notify(notice: Notice, content: Content = {}): void {
    if (this.closed) return;
    this.hooks().forEach((hook, index) => {
      if (!hook.events.includes(notice.event)) return;
      const key = `${index}|${hook.url}`;
      let q = this.queues.get(key);
      if (!q) this.queues.set(key, (q = { items: [], busy: false }));
      q.items.push({ notice, content });
      if (q.items.length > MAX_QUEUED) {
        q.items.shift();
        this.log.warn({ webhook: index, host: hostOf(hook.url) }, 'webhook queue full: the oldest notice was dropped');
      }
      if (!q.busy) void this.drain(q, hook, index);
    });
  }

  close(): void {
    this.closed = true;
  }

  private async drain(q: Queue, hook: Webhook, index: number): Promise<void> {
    q.busy = true;
    try {
      for (let item = q.items.shift(); item && !this.closed; item = q.items.shift()) {
        const body = JSON.stringify(hook.content ? { ...item.notice, ...item.content } : item.notice);
        await this.deliver(hook, index, body, item.notice.event);
      }
    } finally {
      q.busy = false;
    }
  }

  private async deliver(hook: Webhook, index: number, body: string, event: string): Promise<void> {
    const where = { webhook: index, host: hostOf(hook.url), event };
    for (let attempt = 1; attempt <= ATTEMPTS && !this.closed; attempt++) {
      let retry: boolean;
      let why: string;
      try {
        const status = await post(hook.url, body);
        // A redirect is not followed (it could lead the notice anywhere): not delivered, and not retried.
        if (status >= 200 && status < 300) return;
        retry = status >= 500 || status === 429;
        why = `answered ${status}`;
      } catch (err) {
        retry = true;
        why = (err as { code?: string }).code ?? (err as Error).name;
      }
      if (!retry || attempt === ATTEMPTS) {
        this.log.warn({ ...where, attempts: attempt, why }, 'webhook delivery given up');
        return;
      }
      this.log.info({ ...where, attempt, why }, 'webhook delivery failed; retrying');
      await this.sleep(FIRST_RETRY_MS * 2 ** (attempt - 1));
    }
  }
}

/** One POST of a JSON body on a connection of its own; the status, or a rejection on a network failure or timeout. */
async function post(url: string, body: string): Promise<number> {
  const target = new URL(url);
  const agent = makeAgent(target, { maxSockets: 1 });
  const limit = deadline(CALL_TIMEOUT_MS, undefined, 'the webhook');
  try {
    return (await send(target, { method: 'POST', agent, body, headers: { 'user-agent': 'rcd' }, signal: limit.signal })).status;
  } catch (err) {
    throw limit.signal.aborted ? limit.signal.reason : err;
  } finally {
    limit.done();
    agent.destroy();
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an unreadable URL';
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
