// Session events as the relay carries them: sealed. An event's kind (output or state) and bytes are sealed together
// under the session's content key, bound to the session and the event's seq (seal.ts), so the relay sees only the
// seq, the time and the size. The sealed form names the content key's epoch: `<epoch>.<iv>.<ct>`.
import { fromUtf8 } from './encoding.js';
import { unwrapKeys } from './envelope.js';
import { controlKeys, viewKeys } from './keys.js';
import { contexts, importContentKey, open, OpenFailed, seal } from './seal.js';
import type { SessionUrl } from './url.js';
import type { Bytes, CryptoKey } from './webcrypto.js';

export type EventKind = 'output' | 'state';

// One byte in front of the plaintext says which kind it is (the relay must not know).
export const KIND_BYTE: Record<EventKind, number> = { output: 0x6f, state: 0x73 }; // 'o', 's'

/** Where an envelope for a session URL is bound (envelope.ts): every session URL of a session opens the same keys. */
export const SESSION_URL_ENVELOPE = 'session';
/** Where the envelope for the daemon's device URL is bound. */
export const DEVICE_URL_ENVELOPE = 'device';

export async function sealEvent(key: { epoch: number; cryptoKey: CryptoKey }, session: string, seq: number, kind: EventKind, data: Uint8Array): Promise<string> {
  const plain = new Uint8Array(data.length + 1);
  plain[0] = KIND_BYTE[kind];
  plain.set(data, 1);
  return `${key.epoch}.${await seal(key.cryptoKey, plain, contexts.event(session, seq))}`;
}

/** Opens sealed events of one session with the content keys from its envelope. */
export class EventOpener {
  private constructor(
    private readonly session: string,
    private readonly keys: Map<number, CryptoKey>,
    /** Each epoch's first seq, where the envelope says (older daemons' envelopes do not). */
    private readonly froms: Map<number, number>,
  ) {}

  /** The opener for keys at hand (the daemon's own, a test's). */
  static async withKeys(session: string, keys: readonly { epoch: number; raw: Bytes; from?: number }[]): Promise<EventOpener> {
    const imported = new Map<number, CryptoKey>();
    const froms = new Map<number, number>();
    for (const k of keys) {
      imported.set(k.epoch, await importContentKey(k.raw));
      if (k.from !== undefined) froms.set(k.epoch, k.from);
    }
    return new EventOpener(session, imported, froms);
  }

  /**
   * Whether `epoch` may seal event `seq`: not before its own first seq, nor at or past a later epoch's. So a key that
   * a replaced URL still holds cannot seal an event that passes for one made after the replacement.
   */
  private covers(epoch: number, seq: number): boolean {
    for (const [e, from] of this.froms) {
      if (e === epoch ? seq < from : e > epoch && from <= seq) return false;
    }
    return true;
  }

  /** The opener for what a session URL may read: its wrap key opens the envelope the relay handed out. */
  static async forUrl(url: Pick<SessionUrl, 'scope' | 'secret' | 'sessionId' | 'device'>, envelope: string): Promise<EventOpener> {
    const wrapKey = url.scope === 'control' ? (await controlKeys(url.secret)).wrapKey : (await viewKeys(url.secret)).wrapKey;
    const boundTo = url.device ? DEVICE_URL_ENVELOPE : SESSION_URL_ENVELOPE;
    return EventOpener.withKeys(url.sessionId, await unwrapKeys(wrapKey, envelope, url.sessionId, boundTo));
  }

  /** The newest content key: what a client seals an instruction with. */
  newest(): { epoch: number; key: CryptoKey } {
    const epoch = Math.max(...this.keys.keys());
    return { epoch, key: this.keys.get(epoch) as CryptoKey };
  }

  /**
   * Whether this opener holds the key a record names (`<epoch>.…`). A record of an epoch it lacks was sealed after a
   * rotation the envelope in hand predates: the daemon sends the new envelope right after, so a client asks for it
   * again before refusing the record.
   */
  holdsKeyOf(sealed: string): boolean {
    return this.keys.has(Number(sealed.slice(0, sealed.indexOf('.'))));
  }

  /** A record `<epoch>.<iv>.<ct>` sealed for `context`; throws OpenFailed when it does not authenticate. */
  async openRecord(sealed: string, context: string): Promise<Uint8Array> {
    const dot = sealed.indexOf('.');
    const key = this.keys.get(Number(sealed.slice(0, dot)));
    if (dot < 0 || !key) throw new OpenFailed(context);
    return open(key, sealed.slice(dot + 1), context);
  }

  /** The event's kind and bytes; throws OpenFailed for anything that does not authenticate (never shown). */
  async open(seq: number, sealed: string): Promise<{ kind: EventKind; data: Uint8Array }> {
    const context = contexts.event(this.session, seq);
    if (!this.covers(Number(sealed.slice(0, sealed.indexOf('.'))), seq)) throw new OpenFailed(context);
    const plain = await this.openRecord(sealed, context);
    const kind = plain[0] === KIND_BYTE.output ? 'output' : plain[0] === KIND_BYTE.state ? 'state' : null;
    if (!kind) throw new OpenFailed(context);
    return { kind, data: plain.subarray(1) };
  }

  /**
   * An event as the relay serves it, opened. Only sealed events are read: a readable one can only have been made by
   * the relay (daemons seal everything), so it is refused like an altered one. Throws OpenFailed.
   */
  async read(e: { seq: number; kind: string; data: string }): Promise<{ kind: EventKind; data: Uint8Array }> {
    if (e.kind !== 'sealed') throw new OpenFailed(contexts.event(this.session, e.seq));
    return this.open(e.seq, e.data);
  }

  /** A state event's JSON text. */
  static text(data: Uint8Array): string {
    return fromUtf8(data);
  }
}
