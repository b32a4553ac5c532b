// What the daemon sends the relay besides sessions and events: the results of instructions to the daemon itself (a
// remote start, a directory listing, a push subscription), sealed for the device URL, and Web Push notifications the
// daemon encrypted for browsers (src/daemon/remote/push.ts). Both go out from the link's sync worker (link.ts).
import type { Logger } from 'pino';
import { fromBase64url } from '../e2e/encoding.js';
import { sealDeviceResultSync } from '../e2e/node-sync.js';
import { PushResponse, ResultsResponse } from '../protocol/relay-device.js';
import type { DeviceAccessStore } from '../store/device-access.js';
import type { LinkStore } from '../store/link-store.js';
import { HttpError, type RelayHttp } from './http.js';

// Notifications waiting for the relay (the link is down): the newest are kept; an old one is stale anyway.
const MAX_QUEUED_PUSHES = 100;
// Results sent per request; a full page means there may be more.
const RESULTS_PAGE = 100;

/** A Web Push notification the daemon encrypted (src/daemon/remote/push.ts), for the relay to deliver. */
export interface OutgoingPush {
  endpoint: string;
  /** RFC 8291 aes128gcm body, base64url. */
  body: string;
  ttl: number;
  urgency: 'very-low' | 'low' | 'normal' | 'high';
  topic?: string;
  /** The push service says the subscription is gone (404/410). */
  gone(): void;
}

export interface RepliesDeps {
  store: LinkStore;
  devices: DeviceAccessStore;
  http: RelayHttp;
  log: Logger;
  timeoutMs: number;
  /** This daemon's id at the relay, once registered. */
  daemonId(): string | null;
  /** Wakes the sync worker. */
  kick(): void;
}

export class Replies {
  /** Outcomes of instructions to the daemon may wait in the inbox (at start: perhaps, from before a restart). */
  private resultsPending = true;
  private readonly pushes: OutgoingPush[] = [];

  constructor(private readonly d: RepliesDeps) {}

  get pending(): boolean {
    return this.resultsPending || this.pushes.length > 0;
  }

  queuePush(p: OutgoingPush): void {
    this.pushes.push(p);
    if (this.pushes.length > MAX_QUEUED_PUSHES) this.pushes.shift();
    this.d.kick();
  }

  resultReady(): void {
    this.resultsPending = true;
    this.d.kick();
  }

  /** Sends what waits; a lost connection throws (the link's cycle retries), anything the relay answered does not. */
  async send(signal: AbortSignal): Promise<void> {
    if (this.resultsPending) await this.sendResults(signal);
    if (this.pushes.length > 0) await this.sendPushes(signal);
  }

  /**
   * Sends the outcomes of instructions to the daemon, sealed under the current device URL's device key and bound to
   * each instruction's nonce (src/e2e/device-instructions.ts). With no device URL any more, nobody could open them:
   * they are dropped.
   */
  private async sendResults(signal: AbortSignal): Promise<void> {
    this.resultsPending = false;
    const unsent = this.d.store.unsentResults(RESULTS_PAGE);
    if (unsent.length === 0) return;
    const device = this.d.devices.current();
    const daemonId = this.d.daemonId();
    const sealable = device && daemonId ? unsent.filter((r) => r.nonce !== null) : [];
    if (sealable.length > 0 && device && daemonId) {
      const secret = fromBase64url(device.token);
      const results = sealable.map((r) => ({ id: r.id, result: sealDeviceResultSync(secret, daemonId, r.nonce as string, r.result) }));
      try {
        await this.d.http.call('POST', 'api/daemon/results', { results }, ResultsResponse, { signal, timeoutMs: this.d.timeoutMs });
      } catch (err) {
        this.resultsPending = true; // sent again with the next cycle
        throw err;
      }
    }
    this.d.store.markResultsSent(unsent.map((r) => r.id));
    if (unsent.length === RESULTS_PAGE) this.resultsPending = true;
  }

  /**
   * Hands the queued notifications to the relay, oldest first. One the relay refuses (a bad endpoint, its rate
   * limit) is dropped; a network failure keeps it for the next connection.
   */
  private async sendPushes(signal: AbortSignal): Promise<void> {
    for (let p = this.pushes[0]; p; p = this.pushes[0]) {
      const { gone, ...body } = p;
      try {
        const { status } = await this.d.http.call('POST', 'api/daemon/push', body, PushResponse, { signal, timeoutMs: this.d.timeoutMs });
        if (status === 404 || status === 410) gone();
      } catch (err) {
        // Only a lost connection keeps it: anything the relay answered (a bad endpoint, its rate limit, a push
        // service it could not reach) would be answered again, and must not end the link's cycle.
        if (!(err instanceof HttpError) || err.unauthorized) throw err;
        this.d.log.warn({ status: err.status, error: err.message }, 'the relay refused a notification');
      }
      this.pushes.shift();
    }
  }
}
