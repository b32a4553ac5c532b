// What the relay keeps at rest, as interfaces with two implementations: the embedded SQLite database in the data
// directory (sqlite/, the default) and a PostgreSQL database that several relay instances share (pg/, `--store
// postgres://…`). Handlers see only these interfaces; every method is async, because PostgreSQL answers over a socket.
// The same contract tests run against both (test/suites/relay-store-contract.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Instruction, RelayEvent, RemoteSession } from '../protocol/relay.js';
import type { VapidKeys } from './push.js';

export const sha256hex = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Constant-time equality of two hex digests (both are sha256, so the lengths match unless one is malformed). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

// ---- daemons, sessions and their URLs -------------------------------------------------------------------------

export interface SessionRow {
  id: string;
  daemonId: string;
  view: RemoteSession;
  tokenHash: string | null;
  /** The content keys sealed under the current URL's key: handed to whoever opens the URL, opaque here. */
  envelope: string | null;
  /** The same keys sealed under the daemon's device URL's key: handed to whoever opens the device URL. */
  deviceEnvelope: string | null;
  expiresAt: string | null;
  ackedSeq: number;
  prunedThrough: number;
  eventCount: number;
}

/**
 * A session opened by a URL's credential: `control` (the steer credential: read and steer) or `view` (the read
 * credential: read only). `tokenHash` is the session's steer hash, what its instructions name as `via`.
 */
export type OpenedSession = SessionRow & { tokenHash: string; scope: 'control' | 'view' };

/** Why a token does not open a session. */
export type AccessFailure = 'UNKNOWN_URL' | 'ROTATED' | 'REVOKED' | 'EXPIRED';

export interface SessionAccess {
  tokenHash: string;
  readHash: string | null;
  expiresAt: string | null;
  envelope: string | null;
}

export interface RelayCounts {
  daemons: number;
  sessions: number;
  events: number;
  pending: number;
}

export interface SessionStore {
  /** A new daemon: its id and its credential, which exists only in this answer; 'full' at `maxDaemons`. */
  registerDaemon(maxDaemons: number): Promise<{ daemonId: string; credential: string } | 'full'>;
  /** The daemon holding this credential (its id and when it registered, ms since the epoch), or null. */
  authenticate(credential: string): Promise<{ id: string; registeredAt: number } | null>;
  /** The daemon a session belongs to, or null: the upload's check, without reading (and parsing) the view. */
  ownerOf(id: string): Promise<string | null>;
  get(id: string): Promise<SessionRow | null>;
  /**
   * Registers or updates a session's view and access, in one transaction. A different hash retires the old one as
   * rotated; `access: null` retires it as revoked. 'conflict' when the id or a hash belongs to another holder,
   * 'retired' when a hash was rotated away or revoked before (by anyone: a retired URL never works again),
   * 'full' when it would be a new session of a daemon that has `maxSessions` already.
   */
  put(daemonId: string, view: RemoteSession, access: SessionAccess | null, maxSessions: number, deviceEnvelope?: string | null): Promise<'ok' | 'conflict' | 'retired' | 'full'>;
  /** Every session of a daemon (what its device URL lists). */
  ofDaemon(daemonId: string): Promise<SessionRow[]>;
  /** Forgets a session with its events and instructions; its URL then answers REVOKED. */
  remove(daemonId: string, id: string): Promise<'ok' | 'not-found'>;
  /** The session a URL's credential opens, and with which scope, or why it opens none. */
  byToken(token: string, now?: number): Promise<OpenedSession | AccessFailure>;
  counts(): Promise<RelayCounts>;
}

// ---- device URLs ----------------------------------------------------------------------------------------------

export interface DeviceAccess {
  tokenHash: string;
  readHash: string | null;
  expiresAt: string | null;
}

/** A daemon opened by its device URL's credential, with the scope the credential has. */
export interface OpenedDevice {
  daemonId: string;
  scope: 'control' | 'view';
  /** The device URL's steer hash: what instructions sent through it name as `via`. */
  tokenHash: string;
}

/** Retired device hashes name this as their session. */
export const retiredDevice = (daemonId: string): string => `device:${daemonId}`;

export interface DeviceStore {
  /** Sets (or with null, revokes) the daemon's device URL: the same rules as a session URL's (SessionStore.put). */
  put(daemonId: string, access: DeviceAccess | null): Promise<'ok' | 'conflict' | 'retired'>;
  /** Whether a hash is some daemon's current device credential (a session may not take it). */
  holds(hash: string): Promise<boolean>;
  /** The daemon a device URL's credential opens, and with which scope, or why it opens none. */
  open(credential: string, now?: number): Promise<OpenedDevice | AccessFailure>;
}

// ---- events ---------------------------------------------------------------------------------------------------

// One remote answer carries at most this much, so a client far behind catches up in bounded steps.
export const MAX_EVENTS_PER_READ = 1000;
export const MAX_BYTES_PER_READ = 1024 * 1024;

export interface ReadResult {
  events: RelayEvent[];
  /** Events between the cursor and the first one returned were pruned. */
  gap: boolean;
  /** Every acknowledged event the relay holds after the cursor was returned (no size cut). */
  complete: boolean;
}

export interface EarlierResult {
  events: RelayEvent[];
  /** The relay holds events before the first one returned (ask again with it as `before`). */
  earlier: boolean;
  /** It does not, and events before the first one returned were pruned. */
  gap: boolean;
}

/** One session's part of an upload. */
export interface UploadPart {
  sessionId: string;
  events: readonly RelayEvent[];
  /** The daemon no longer holds events before this seq. */
  firstSeq?: number | undefined;
}

export interface AppendResult {
  /** The session's new acknowledged seq. */
  acked: number;
  /** It moved: followers have something new. */
  advanced: boolean;
}

export interface Retention {
  /** Events kept per session. */
  events: number;
  /** Bytes of event data kept per session. */
  bytes: number;
  /** Events older than this are pruned by `sweep`. */
  ageMs: number;
}

/** A session named in an upload was removed before the upload was stored: the whole upload stores nothing. */
export class SessionGone extends Error {
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} is not on the relay`);
    this.name = 'SessionGone';
  }
}

export interface EventStore {
  /**
   * Stores one upload (every part, or nothing of it when any part fails), prunes beyond the window, and resolves
   * with each part's acknowledged seq once durable. The caller has checked that the sessions are the daemon's.
   */
  append(parts: readonly UploadPart[]): Promise<AppendResult[]>;
  /** Up to a bounded batch of acknowledged events after `after` (events past a hole are not served yet). */
  read(sessionId: string, after: number): Promise<ReadResult>;
  /** A page of history read backwards: the newest acknowledged events before `before`, oldest first. */
  readBefore(sessionId: string, before: number, limit: number): Promise<EarlierResult>;
  /** firstSeq/lastSeq for the status answer: what a client can still read. */
  bounds(sessionId: string): Promise<{ firstSeq: number; lastSeq: number }>;
  /** Prunes events older than the retention age; returns the sessions whose oldest events went. */
  sweep(now?: number): Promise<string[]>;
}

// ---- instructions ---------------------------------------------------------------------------------------------

// One poll answer carries at most this many; the daemon acknowledges and polls again for the rest.
export const MAX_INSTRUCTIONS_PER_POLL = 200;
// An acknowledged instruction is kept this long, then deleted: long enough that a client retrying a send with the
// same idempotency key still gets `duplicate` (retries come within seconds), short enough that the table stays small.
export const ACKED_KEEP_MS = 24 * 3600_000;
// Rows deleted per sweep, so one ack never stalls on a large backlog; every ack sweeps a little more.
export const SWEEP_BATCH = 1000;

/** Where an instruction goes: a session of a daemon, or (session null) the daemon itself. */
export interface Target {
  daemonId: string;
  sessionId: string | null;
}

export interface InstructionStore {
  /**
   * Stores an instruction unless one with this key exists for the target; either way returns its id.
   * `kind-mismatch` when the key was used for another kind of instruction (a client bug, not a retry). `via` is
   * the hash of the token the client came through. 'full' when `maxPending` instructions wait already (a retry of
   * one of them is still answered as a duplicate).
   */
  accept(to: Target, kind: Instruction['kind'], payload: Record<string, unknown>, idempotencyKey: string, via: string, maxPending: number):
    Promise<{ id: string; duplicate: boolean } | 'kind-mismatch' | 'full'>;
  /** The daemon's results for instructions to itself; ids it does not own, or already answered, are ignored. */
  storeResults(daemonId: string, results: readonly { id: string; result: string }[]): Promise<number>;
  /** An instruction to the daemon itself: whether the daemon took it, and its sealed result once there; null: none such. */
  resultOf(daemonId: string, id: string): Promise<{ taken: boolean; result: string | null } | null>;
  /** Whether a key was already used for this session. */
  existing(sessionId: string, idempotencyKey: string): Promise<{ id: string; kind: string } | null>;
  /** Unacknowledged instructions of the daemon and its sessions, in acceptance order. */
  pendingFor(daemonId: string): Promise<Instruction[]>;
  /** Marks the daemon's instructions acknowledged; ids it does not own, or unknown ones, are ignored. */
  ack(daemonId: string, ids: readonly string[]): Promise<number>;
  /** Deletes (a batch of) instructions acknowledged before `cutoff` (ISO time); returns how many. */
  sweep(cutoff: string): Promise<number>;
}

// ---- the whole store ------------------------------------------------------------------------------------------

/**
 * Whether daemons are linked, across every instance sharing the store (notifier.ts keeps this instance's part). An
 * instance writes only changes (a daemon linked here, one gone) and a heartbeat of its own; a daemon counts as
 * linked while an instance with a fresh heartbeat says so, so an instance killed -9 stops vouching for its daemons.
 */
export interface SharedPresence {
  /** These daemons are linked here now (`join`), these no longer (`leave`). */
  update(join: readonly string[], leave: readonly string[]): Promise<void>;
  /** This instance is alive; false when the store had forgotten it (its links must be joined again). */
  heartbeat(): Promise<boolean>;
  /** Of these daemons, those linked to a live instance. */
  linked(daemonIds: readonly string[]): Promise<Set<string>>;
  /** How many daemons are linked to a live instance. */
  countLinked(): Promise<number>;
  /** Withdraws this instance and its links (a clean shutdown). */
  withdraw(): Promise<void>;
}

/** Wake-ups for held requests that cross instances (`notify` reaches every instance's `onWake`, this one's too). */
export interface SharedWakeups {
  notify(keys: readonly string[]): void;
  /** `lost`: the channel was down, so some wake-ups may have been missed (wake everyone). */
  onWake(listener: (keys: readonly string[] | 'lost') => void): void;
}

export interface RelayStores {
  /** 'sqlite' or 'postgres', and where (for the log; never a password). */
  kind: 'sqlite' | 'postgres';
  where: string;
  sessions: SessionStore;
  devices: DeviceStore;
  events: EventStore;
  instructions: InstructionStore;
  /** The relay's Web Push key pair: every instance must sign with the same one (browsers subscribed with it). */
  vapidKeys(): Promise<VapidKeys>;
  /** Only when instances share the store. */
  presence?: SharedPresence;
  wakeups?: SharedWakeups;
  close(): Promise<void>;
}
