// Runs instructions that came down from the relay, one at a time in the order they were received. Each is marked
// started in the transaction that claims it, before its side effect, so a repeated delivery or a daemon restart
// never runs it twice. Most are for a session; one for the daemon itself (a remote start, through the device URL)
// ends with a result the link sends back for its client.
import type { Logger } from 'pino';
import type { PermissionMode } from '../agents/claude/protocol.js';
import type { DeviceInstructionBody, DeviceInstructionResult } from '../protocol/instruction-body.js';
import type { InboxItem, LinkStore } from '../store/link-store.js';
import { openDeviceSealed, openSealed } from './sealed-instruction.js';

/** Why an instruction that did not name a current URL of the session (revoked, replaced, never shared, none named) did not run. */
export const NOT_VIA_CURRENT_URL = "not sent through this session's current URL or the device's";

/** A URL that may steer a session now: its steer credential's hash (what instructions name as `via`) and its secret. */
export interface CurrentUrl {
  tokenHash: string;
  token: string;
}

/** What the executor may do to sessions; the daemon's supervisor provides it. */
export interface SessionActions {
  exists(id: string): boolean;
  send(id: string, text: string): Promise<unknown>;
  stop(id: string): Promise<unknown>;
  restart(id: string): Promise<unknown>;
  /** Answers a pending approval (request: an id or prefix; none: the oldest); throws when there is none. */
  decide(id: string, request: string | undefined, allow: boolean, message: string | undefined): Promise<unknown>;
  /** `rcd approve --always|--mode`, remotely. */
  approve(id: string, request: string | undefined, opts: { always?: boolean; mode?: PermissionMode }): Promise<unknown>;
  /** `rcd answer`, remotely: [REQUEST] ANSWER... as typed. */
  answer(id: string, args: readonly string[]): Promise<unknown>;
  mode(id: string, mode: PermissionMode): Promise<unknown>;
  interrupt(id: string): Promise<unknown>;
  /** The session's name (what a sender's `name` must equal). */
  nameOf(id: string): string;
  /** sha256 (hex) of a pending request's text as remote clients are shown it, or null when none has this exact id. */
  shownDigest(id: string, request: string): string | null;
  /** An instruction of an existing session was not carried out: tell the session's remote clients why. */
  notCarriedOut(id: string, instruction: { id: string; kind: string; error: string }): void;
}

/** What the executor may do on the daemon itself, through the device URL. */
export interface DeviceActions {
  /** This daemon's id at the relay (what device instructions are bound to); null before it registered. */
  daemonId(): string | null;
  /** The device URL now, if one is issued, live and not expired. */
  deviceUrl(): CurrentUrl | null;
  /**
   * An instruction to the daemon (`rcd remote start`, a start form's directory listing); throws why not (the roots,
   * the directory, the cap...). `instruction`: its id, for the audit trail.
   */
  run(body: DeviceInstructionBody, instruction: string): Promise<DeviceInstructionResult & { ok: true }>;
  /** A result is stored for the relay: send it. */
  resultReady(): void;
}

export class Executor {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly store: LinkStore,
    private readonly actions: SessionActions,
    /** The session's current URL and the device URL, those that exist. */
    private readonly currentUrls: (sessionId: string) => CurrentUrl[],
    private readonly log: Logger,
    private readonly device: DeviceActions | null = null,
  ) {}

  /** Runs everything pending; concurrent calls coalesce into one drain. */
  drain(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        for (let item = this.store.claimNext(); item; item = this.store.claimNext()) await this.runOne(item);
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runOne(item: InboxItem): Promise<void> {
    if (item.sessionId === null) return this.runDevice(item);
    const sessionId = item.sessionId;
    let error: string | null = null;
    // What the client asked (prompt, approve...), once the sealed body is open; until then only that it was sealed.
    const seen = { kind: item.kind };
    try {
      error = await this.apply(item, sessionId, seen);
    } catch (err) {
      error = (err as Error).message;
    }
    this.store.finish(item.id, error);
    this.log.info({ instruction: item.id, session: item.sessionId, kind: seen.kind, error }, 'remote instruction handled');
    // The client was told "accepted" long ago; the session's event stream is how it learns the outcome.
    if (error !== null && this.actions.exists(sessionId)) this.actions.notCarriedOut(sessionId, { id: item.id, kind: seen.kind, error });
  }

  /** An instruction to the daemon itself: its outcome, either way, is stored as the result its client fetches. */
  private async runDevice(item: InboxItem): Promise<void> {
    let result: DeviceInstructionResult;
    let kind = item.kind;
    try {
      const url = this.device?.deviceUrl();
      const daemonId = this.device?.daemonId();
      // As for a session: only through the device URL that is current here, whatever the relay thinks.
      if (!this.device || !url || !daemonId || item.via !== url.tokenHash) throw new Error('not sent through this daemon\'s current device URL');
      const opened = openDeviceSealed(this.store, item, url.token, daemonId);
      if ('refused' in opened) throw new Error(opened.refused);
      kind = opened.body.kind;
      result = await this.device.run(opened.body, item.id);
    } catch (err) {
      result = { ok: false, error: (err as Error).message };
    }
    this.store.finish(item.id, result.ok ? null : result.error, result);
    this.log.info({ instruction: item.id, kind, error: result.ok ? null : result.error }, 'remote instruction to the daemon handled');
    this.device?.resultReady();
  }

  /** Returns why the instruction was not carried out, or null when it was. */
  private async apply(item: InboxItem, sessionId: string, seen: { kind: string }): Promise<string | null> {
    if (!this.actions.exists(sessionId)) return 'the session no longer exists';
    // Only a holder of the session's current URL may steer it, and the instruction must say which URL it came
    // through (`via`, the token's hash). Revocation is local first: one sent through a URL this daemon revoked or
    // replaced is refused even when the relay has not heard of it yet (it was offline). One that names no URL
    // (`via: null`) is refused too: a relay never sends that for a client's instruction, so it comes from a
    // hostile or broken relay, and running it would let that relay prompt (or approve on) a session that was
    // never shared, or whose URL was revoked.
    const url = item.via === null ? undefined : this.currentUrls(sessionId).find((u) => u.tokenHash === item.via);
    if (!url) return NOT_VIA_CURRENT_URL;
    // Then it must be sealed and proved with that URL's key: the relay knows the URL's hash, not its key.
    const opened = await openSealed(this.store, item, url.token);
    if ('refused' in opened) return opened.refused;
    const body = opened.body;
    seen.kind = body.kind;
    // What the sender acted on must be what is here: a view forged on the relay (by one who holds a content key) could
    // otherwise make it send to another session, or approve a command it showed as something harmless.
    if (body.name !== undefined && body.name !== this.actions.nameOf(sessionId)) {
      return `sent to a session named ${body.name} as its sender saw it, but this session is ${this.actions.nameOf(sessionId)} (a view altered on the relay?)`;
    }
    const answered = body.kind === 'answer' ? body.args[0] : 'request' in body ? body.request : undefined;
    if ('seen' in body && body.seen !== undefined) {
      const digest = answered === undefined ? null : this.actions.shownDigest(sessionId, answered);
      if (digest !== body.seen) return 'the request its sender was shown is not the one pending here (altered on the relay?); nothing was answered';
    }
    switch (body.kind) {
      case 'prompt':
        await this.actions.send(sessionId, body.text);
        return null;
      case 'stop':
        await this.actions.stop(sessionId);
        return null;
      case 'restart':
        await this.actions.restart(sessionId);
        return null;
      case 'approve':
        if (body.always || body.mode) await this.actions.approve(sessionId, body.request, { always: body.always, mode: body.mode });
        else await this.actions.decide(sessionId, body.request, true, undefined);
        return null;
      case 'deny':
        await this.actions.decide(sessionId, body.request, false, body.message);
        return null;
      case 'answer':
        await this.actions.answer(sessionId, body.args);
        return null;
      case 'mode':
        await this.actions.mode(sessionId, body.mode);
        return null;
      case 'interrupt':
        await this.actions.interrupt(sessionId);
        return null;
    }
  }
}
