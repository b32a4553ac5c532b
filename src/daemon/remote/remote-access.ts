// Session URLs (capabilities) and the daemon's side of the relay link: builds the link when a relay is
// configured, feeds it local changes, and issues, rotates and revokes the tokens behind `rcd url`.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { RcdError } from '../../common/errors.js';
import { MAX_REMOTE_REQUEST_CHARS } from '../../protocol/relay.js';
import { LIVE_STATES } from '../../protocol/session.js';
import type { LocalSessionView } from '../../link/sealed-view.js';
import type { Db } from '../../store/db.js';
import type { EventStore } from '../../store/events.js';
import { DeviceAccessStore } from '../../store/device-access.js';
import { LinkStore, type Access } from '../../store/link-store.js';
import { Executor } from '../../link/executor.js';
import { Link } from '../../link/link.js';
import type { Supervisor } from '../sessions/supervisor.js';
import type { AgentControls } from '../../agents/controls.js';
import type { ApprovalRecord } from '../../store/approvals.js';
import { fromBase64url, toBase64url } from '../../e2e/encoding.js';
import { controlKeys, randomSecret } from '../../e2e/keys.js';
import { formatDeviceUrl, formatSessionUrl, type Scope } from '../../e2e/url.js';
import type { Bytes } from '../../e2e/webcrypto.js';
import type { Tailer } from '../output/tailer.js';
import type { RemoteStart } from './remote-start.js';
import { PushSubscriptionStore } from '../../store/push-subscriptions.js';
import { wirePush } from './push.js';

// The relay shows this many pending requests of a session; `pendingApprovals` counts them all.
const MAX_REMOTE_APPROVALS = 50;

/**
 * A pending request as a remote client shows it: whole, as `rcd approvals` does, so what is approved from a phone
 * is what runs. One past MAX_REMOTE_REQUEST_CHARS (a Write of a big file) ends with a note saying so, never with an
 * ellipsis that could pass for the end of a command.
 */
function remoteRequestText(text: string): string {
  if (text.length <= MAX_REMOTE_REQUEST_CHARS) return text;
  const kept = MAX_REMOTE_REQUEST_CHARS - 200; // room for the note
  return `${text.slice(0, kept)}\n[${text.length - kept} more characters of this request are not shown remotely; read it whole with \`rcd approvals\` on the machine]`;
}

// How long `rcd url` waits for the relay to confirm a new, rotated or revoked URL before saying it is unreachable.
export const URL_CONFIRM_TIMEOUT_MS = 5_000;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class RemoteAccess {
  readonly link: Link;
  private readonly store: LinkStore;
  private readonly devices: DeviceAccessStore;
  private readonly pushes: PushSubscriptionStore;

  constructor(
    relayUrl: string,
    db: Db,
    private readonly events: EventStore,
    private readonly supervisor: Supervisor,
    private readonly controls: AgentControls,
    tailer: Tailer,
    log: Logger,
    remoteStart: RemoteStart,
  ) {
    this.store = new LinkStore(db);
    // Answers, modes and interrupts go to the session's agent kind, which refuses what it has not got (generic).
    const agent = (id: string) => {
      const s = supervisor.resolve(id);
      return { s, control: controls.of(s.agent) };
    };
    this.devices = new DeviceAccessStore(db);
    this.pushes = new PushSubscriptionStore(db);
    const executor = new Executor(
      this.store,
      {
        exists: (id) => supervisor.exists(id),
        send: (id, text) => supervisor.send(id, text),
        stop: (id) => supervisor.stop(id),
        restart: (id) => supervisor.restart(id),
        decide: (id, request, allow, message) => { const a = agent(id); return a.control.decide(a.s, request, allow, message, 'remote'); },
        approve: (id, request, opts) => { const a = agent(id); return a.control.approve(a.s, request, opts, 'remote'); },
        answer: (id, args) => { const a = agent(id); return a.control.answer(a.s, args, 'remote'); },
        mode: (id, mode) => { const a = agent(id); return a.control.setMode(a.s, mode, 'remote'); },
        interrupt: (id) => { const a = agent(id); return a.control.interrupt(a.s, 'remote'); },
        nameOf: (id) => supervisor.resolve(id).name,
        shownDigest: (id, request) => {
          const { control } = agent(id);
          const a = control.pending(id).find((p) => p.id === request);
          return a ? createHash('sha256').update(remoteRequestText(control.requestText(a))).digest('hex') : null;
        },
        notCarriedOut: (id, instruction) => {
          events.appendState(id, { instruction });
          this.link.eventsStored(id);
        },
      },
      (id) => {
        const a = this.store.access(id);
        // Expiry is the daemon's to enforce too, not only the relay's (which could let an expired URL on).
        const live = a?.token && a.tokenHash && !a.revokedAt && !(a.expiresAt && Date.parse(a.expiresAt) <= Date.now());
        const own = live ? [{ token: a.token as string, tokenHash: a.tokenHash as string }] : [];
        const device = this.devices.current();
        return device ? [...own, device] : own;
      },
      log.child({ component: 'executor' }),
      {
        daemonId: () => this.store.identity(this.link.origin.origin)?.daemonId ?? null,
        deviceUrl: () => this.devices.current(),
        run: async (body, instruction) => {
          switch (body.kind) {
            case 'start': return remoteStart.run(body, instruction);
            case 'dirs': return remoteStart.dirs(body.path);
            case 'push-subscribe': {
              const { endpoint, keys } = body.subscription;
              if (!this.pushes.add({ endpoint, p256dh: keys.p256dh, auth: keys.auth })) throw new RcdError('LIMIT', 'this daemon has all the push subscriptions it keeps; unsubscribe an old browser first');
              return { ok: true, subscribed: true };
            }
            case 'push-unsubscribe':
              this.pushes.remove(body.endpoint);
              return { ok: true, subscribed: false };
          }
        },
        resultReady: () => this.link.resultReady(),
      },
    );
    this.link = new Link({
      relayUrl, store: this.store, devices: this.devices, executor, log: log.child({ component: 'link' }),
      sessions: {
        ids: () => supervisor.list().map((s) => s.id),
        view: (id) => this.view(id),
      },
    });
    wirePush({
      subscriptions: this.pushes, controls, supervisor, log, get: (id) => (supervisor.exists(id) ? supervisor.resolve(id) : undefined),
      sessionUrl: (id) => this.deviceSessionUrl(id),
      send: (p) => this.link.queuePush(p),
    });
    supervisor.on('state', (id: string) => this.link.sessionChanged(id));
    supervisor.on('removed', (id: string) => this.link.sessionRemoved(id));
    tailer.on('output', (id: string) => this.link.eventsStored(id));
  }

  /** A session's address under the live device URL (its control key after #), or null. */
  private deviceSessionUrl(sessionId: string): string | null {
    const current = this.devices.current();
    const daemonId = this.store.identity(this.link.origin.origin)?.daemonId;
    return current && daemonId ? formatDeviceUrl(this.link.origin.href, daemonId, 'control', fromBase64url(current.token), sessionId) : null;
  }

  start(): void {
    this.link.start();
  }

  /** The session as its remote clients see it (the link seals it: the relay sees only id, liveness, times, seq). */
  private view(id: string): LocalSessionView | null {
    if (!this.supervisor.exists(id)) return null;
    const s = this.supervisor.resolve(id);
    const control = this.controls.of(s.agent);
    const pending = control.pending(s.id);
    const approvals = pending.slice(0, MAX_REMOTE_APPROVALS).map((a: ApprovalRecord) => {
      const questions = a.kind === 'question' ? control.view(a, s.name).questions : undefined;
      return {
        id: a.id, tool: a.tool, kind: a.kind, summary: remoteRequestText(control.requestText(a)), createdAt: a.createdAt,
        ...(questions ? { questions: questions.slice(0, 16) } : {}),
      };
    });
    return {
      id: s.id, live: LIVE_STATES.includes(s.state), updatedAt: s.updatedAt, lastSeq: this.lastSeq(s.id),
      view: { name: s.name, agent: s.agent, cwd: s.cwd, state: s.state, pendingApprovals: pending.length, approvals, permissionMode: s.permissionMode ?? null },
    };
  }

  private lastSeq(id: string): number {
    return this.events.lastSeq(id);
  }

  /**
   * `rcd url`: the current URL (issuing one on first use), a rotated one, or revocation; confirmed by the relay.
   * The URL's secret stays here and in the URL's fragment; the relay gets the hashes of the two credentials derived
   * from it (src/e2e/keys.ts): steering with the control URL's, reading with either.
   */
  async url(sessionId: string, opts: { rotate: boolean; revoke: boolean; expiresIn?: number; view?: boolean }): Promise<{ url: string | null; expiresAt: string | null; revoked: boolean }> {
    const current = this.store.access(sessionId);
    const confirm = (offline: string) => this.confirmWith(() => this.link.accessSynced(sessionId, URL_CONFIRM_TIMEOUT_MS), 'this session', offline);
    if (opts.revoke) {
      this.store.setAccess(sessionId, { token: null, tokenHash: null, readHash: null, expiresAt: null, revokedAt: new Date().toISOString() });
      await confirm('revoked locally: instructions through the old URL are ignored, and the relay is told when the link returns');
      return { url: null, expiresAt: null, revoked: true };
    }
    if (!opts.rotate && current?.revokedAt) {
      throw new RcdError('CONFLICT', 'remote access to this session is revoked; `rcd url SESSION --rotate` issues a new URL');
    }
    if (this.needsNew(current, opts)) {
      this.store.setAccess(sessionId, await newAccess(opts.expiresIn));
      await confirm(`the new URL is recorded and takes effect when the link returns${current?.token ? '; the old one is already ignored' : ''}`);
    } else if (!current?.synced) {
      await confirm('the URL is recorded and will work once the link is back');
    }
    const a = this.store.access(sessionId);
    if (!a?.token) return { url: null, expiresAt: a?.expiresAt ?? null, revoked: false };
    const { scope, secret } = await scoped(a.token, opts.view === true);
    return { url: formatSessionUrl(this.link.origin.href, sessionId, scope, secret), expiresAt: a.expiresAt, revoked: false };
  }

  /**
   * `rcd url --device`: the daemon's device URL (every session, present and future), issued on first use, rotated or
   * revoked like a session's; confirmed by the relay. Its path names this daemon's id at the relay.
   */
  async deviceUrl(opts: { rotate: boolean; revoke: boolean; expiresIn?: number; view?: boolean }): Promise<{ url: string | null; expiresAt: string | null; revoked: boolean }> {
    const current = this.devices.get();
    const confirm = (offline: string) => this.confirmWith(() => this.link.deviceSynced(URL_CONFIRM_TIMEOUT_MS), 'the device URL', offline);
    if (opts.revoke) {
      this.devices.set({ token: null, tokenHash: null, readHash: null, expiresAt: null, revokedAt: new Date().toISOString() });
      if (current?.token) this.rekeyAll();
      await confirm('revoked locally: instructions through the old device URL are ignored, and the relay is told when the link returns');
      return { url: null, expiresAt: null, revoked: true };
    }
    if (!opts.rotate && current?.revokedAt) {
      throw new RcdError('CONFLICT', 'the device URL is revoked; `rcd url --device --rotate` issues a new one');
    }
    if (this.needsNew(current, opts)) {
      this.devices.set(await newAccess(opts.expiresIn));
      if (current?.token) this.rekeyAll();
      await confirm(`the new device URL is recorded and takes effect when the link returns${current?.token ? '; the old one is already ignored' : ''}`);
    } else if (!current?.synced) {
      await confirm('the device URL is recorded and will work once the link is back');
    }
    const a = this.devices.get();
    const daemonId = this.store.identity(this.link.origin.origin)?.daemonId;
    if (!a?.token || !daemonId) throw new RcdError('DAEMON_UNAVAILABLE', `this daemon has not registered with the relay ${this.link.origin.origin} yet; try again once it is linked`);
    const { scope, secret } = await scoped(a.token, opts.view === true);
    return { url: formatDeviceUrl(this.link.origin.href, daemonId, scope, secret), expiresAt: a.expiresAt, revoked: false };
  }

  /**
   * The device URL was replaced or revoked: every session begins a new content-key epoch, so the old device URL
   * opens nothing sealed from now on, even with the relay's help (as a session URL's rotation does for its session).
   */
  private rekeyAll(): void {
    for (const s of this.supervisor.list()) this.store.newEpoch(s.id);
  }

  /** Whether `rcd url` issues a new secret: asked to, none yet, expired, or a new lifetime asked for. */
  private needsNew(current: Access | undefined, opts: { rotate: boolean; expiresIn?: number }): boolean {
    const expired = current?.expiresAt ? Date.parse(current.expiresAt) <= Date.now() : false;
    return opts.rotate || !current?.token || expired || opts.expiresIn !== undefined;
  }

  /** Waits for the relay to confirm; says what holds meanwhile (`offline`) when it does not. */
  private async confirmWith(synced: () => Promise<void>, what: string, offline: string): Promise<void> {
    try {
      await synced();
    } catch (err) {
      const why = (err as Error).message;
      if ((err as { refused?: boolean }).refused) {
        throw new RcdError('CONFLICT', `the relay ${this.link.origin.origin} refused ${what} (${why}); the URL is recorded here but does not work until the relay takes it`);
      }
      throw new RcdError('DAEMON_UNAVAILABLE', `the relay ${this.link.origin.origin} did not confirm (${why}); ${offline}`);
    }
  }
}

/** A fresh URL secret and what the relay is told of it (the hashes of the two credentials it derives). */
async function newAccess(expiresIn: number | undefined): Promise<Omit<Access, 'synced'>> {
  const secret = randomSecret();
  const keys = await controlKeys(secret);
  const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000).toISOString() : null;
  return { token: toBase64url(secret), tokenHash: hashToken(keys.steerCredential), readHash: hashToken(keys.readCredential), expiresAt, revokedAt: null };
}

/** The secret a URL carries: the control secret, or the view secret derived from it. */
async function scoped(token: string, view: boolean): Promise<{ scope: Scope; secret: Bytes }> {
  const secret = fromBase64url(token);
  return view ? { scope: 'view', secret: (await controlKeys(secret)).viewSecret } : { scope: 'control', secret };
}
