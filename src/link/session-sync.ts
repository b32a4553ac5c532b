// What the relay must be told of this daemon's sessions, and telling it: sessions changed (view or access) or
// removed since the relay last heard, and the device URL. The link (link.ts) decides when; this decides what, and
// keeps `rcd url` waiting until the relay has what it asked for.
import type { Logger } from 'pino';
import { PutSessionResponse } from '../protocol/relay.js';
import type { DeviceAccessStore } from '../store/device-access.js';
import type { LinkStore } from '../store/link-store.js';
import { MAX_ENVELOPE_EPOCHS, relayAccess } from './access.js';
import { AccessWaits } from './access-waits.js';
import { deviceEnvelope, pushDevice } from './device-sync.js';
import { HttpError, type RelayHttp } from './http.js';
import { sealedSession, type LinkSessions } from './sealed-view.js';
import type { Uploader } from './uploader.js';

export interface SessionSyncDeps {
  store: LinkStore;
  devices: DeviceAccessStore;
  sessions: LinkSessions;
  http: RelayHttp;
  uploader: Uploader;
  log: Logger;
  timeoutMs: number;
}

export class SessionSync {
  readonly waits = new AccessWaits();
  private readonly dirty = new Set<string>();
  private readonly removed = new Set<string>();
  /** Sessions the relay has been told about since this daemon started. */
  private readonly known = new Set<string>();
  private deviceDirty = true;

  constructor(private readonly d: SessionSyncDeps) {
    for (const id of d.store.removals()) this.removed.add(id); // removed while the relay could not be told
  }

  /** Everything goes again (a new connection: the relay may have lost or never had any of it). */
  all(): void {
    for (const id of this.d.sessions.ids()) this.dirty.add(id);
    this.deviceDirty = true;
  }

  changed(id: string): void {
    this.dirty.add(id);
  }

  removedLocally(id: string): void {
    this.dirty.delete(id);
    this.removed.add(id);
  }

  /** The device URL changed: tell the relay, and seal every session's keys for the new URL (or for none). */
  deviceChanged(): void {
    this.all();
  }

  get pending(): boolean {
    return this.deviceDirty || this.dirty.size > 0 || this.removed.size > 0;
  }

  /** Tells the relay what changed; `onlyNew`: only sessions it has not heard of (they must exist before their events). */
  async push(signal: AbortSignal, onlyNew = false): Promise<void> {
    if (this.deviceDirty) {
      this.deviceDirty = false;
      try {
        await pushDevice(this.d.http, this.d.devices, this.waits, signal, this.d.timeoutMs);
      } catch (err) {
        this.deviceDirty = true;
        throw err;
      }
    }
    for (const id of [...this.removed]) {
      try {
        await this.d.http.call('DELETE', `api/daemon/sessions/${id}`, undefined, null, { signal, timeoutMs: this.d.timeoutMs });
      } catch (err) {
        // 404: the relay never had it (removed before it went up) or forgot it: either way, done.
        if (!(err instanceof HttpError && err.status === 404)) throw err;
      }
      this.d.store.forgetRemoval(id);
      this.removed.delete(id);
      this.known.delete(id);
    }
    for (const id of [...this.dirty]) {
      if (onlyNew && this.known.has(id)) continue;
      this.dirty.delete(id);
      await this.pushOne(id, signal);
    }
  }

  private async pushOne(id: string, signal: AbortSignal): Promise<void> {
    const local = this.d.sessions.view(id);
    if (!local) return;
    const { store } = this.d;
    const a = store.access(id);
    const body = {
      session: await sealedSession(store, local),
      access: await relayAccess(store, id, a),
      deviceEnvelope: await deviceEnvelope(this.d.devices, id, store.contentKeys(id).slice(-MAX_ENVELOPE_EPOCHS)),
    };
    try {
      const put = await this.d.http.call('PUT', `api/daemon/sessions/${id}`, body, PutSessionResponse, { signal, timeoutMs: this.d.timeoutMs });
      if (put.ackedSeq !== undefined && put.ackedSeq < store.cursor(id)) {
        // The relay holds less than it once acknowledged (its data was lost or restored from a backup): send
        // again from what it has, or its followers never see the rest.
        store.resetCursor(id, put.ackedSeq);
        this.d.uploader.touch(id);
      }
    } catch (err) {
      if (err instanceof HttpError && err.refusesSession) {
        // This session only (a URL another daemon's session holds, a view the relay refuses): say so and go
        // on with the others; the session's next change tries again.
        this.d.log.warn({ session: id, status: err.status, code: err.code }, 'the relay refused this session; the others carry on');
        this.waits.refuse(id, err.message);
        return;
      }
      this.dirty.add(id);
      throw err;
    }
    this.known.add(id);
    if (a) store.markAccessSynced(id, a.tokenHash);
    this.waits.accepted(id);
  }
}

