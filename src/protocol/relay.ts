// The relay protocol: what the daemon's link, the relay server and remote clients send each other over HTTP(S).
// All three parse with these schemas. The prose is in docs/relay-protocol.md.
import { z } from 'zod';
import { SessionState } from './session.js';

/** Version of this protocol; the relay answers it in `GET /api/info`. */
export const RELAY_PROTOCOL_VERSION = 2;

// The relay holds a long-poll this long without news, under common proxy idle timeouts (60 s) with margin.
export const POLL_HOLD_MS = 25_000;
// A client gives up on a long-poll this long after sending it: above the hold plus a slow network's round trip.
export const POLL_DEADLINE_MS = 40_000;
// Limits the relay enforces (4xx beyond them). Each daemon endpoint takes what the link really sends there and no
// more: a big body costs the relay memory and event-loop time, and any registered daemon may send one.
/**
 * What the link puts in one upload: event bytes as stored (output is sent as base64, 4/3 of that). 512 KiB moves a
 * backlog at tens of MiB/s on a decent link, and its request stays well under MAX_UPLOAD_BODY_BYTES.
 */
export const UPLOAD_BATCH_BYTES = 512 * 1024;
/** `POST /api/daemon/events`: a batch of UPLOAD_BATCH_BYTES as base64 (683 KiB), plus framing of 500 events. */
export const MAX_UPLOAD_BODY_BYTES = 1024 * 1024;
/** `PUT /api/daemon/sessions/:id`: a view with 50 approvals of MAX_REMOTE_REQUEST_CHARS (800 KiB), escaped. */
export const MAX_SESSION_BODY_BYTES = 2 * 1024 * 1024;
/** `POST /api/daemon/ack`: 1000 ids of 64 characters. */
export const MAX_ACK_BODY_BYTES = 128 * 1024;
/** The largest body any relay endpoint takes (a proxy in front needs at least this). */
export const MAX_RELAY_BODY_BYTES = MAX_SESSION_BODY_BYTES;
export const MAX_EVENTS_PER_BATCH = 500;
export const MAX_PROMPT_BYTES = 64 * 1024;
// A sealed instruction: a prompt of MAX_PROMPT_BYTES after JSON escaping and base64 (4/3), within the public body cap.
export const MAX_SEALED_INSTRUCTION_CHARS = 480 * 1024;
/**
 * Bodies of the endpoints anyone can call (register, a session URL's prompt/approve/deny): enough for the largest
 * prompt JSON-escaped, and small enough that parsing a hostile one cannot stall the relay (4 MiB of nesting took
 * ~0.7 s of the event loop; the relay's json-guard.ts now refuses such shapes before parsing).
 */
export const MAX_PUBLIC_BODY_BYTES = 512 * 1024;
/** `POST /api/daemon/register` takes `{}`. */
export const MAX_REGISTER_BODY_BYTES = 4 * 1024;

/** A session token: 32 random bytes, base64url (256 bits; at least 128 are required). */
export const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
/** What the relay stores instead of a token: sha256(token), hex. */
export const TokenHash = z.string().regex(/^[0-9a-f]{64}$/);
const SessionId = z.string().regex(/^[0-9a-f]{16}$/);
const Iso = z.string().datetime();

// ---- daemon -> relay (Authorization: Bearer <daemon credential>, except register) ----

/** POST /api/daemon/register: a daemon's first contact. The answer's credential is shown once; the relay keeps its hash. */
export const RegisterResponse = z.object({ daemonId: z.string(), credential: z.string().min(32) });

/**
 * How much of a pending request a session view carries (50 of them fit a PUT well under its body cap). A longer
 * one is cut with a note saying so: the daemon never sends a silently clipped request to be approved.
 */
export const MAX_REMOTE_REQUEST_CHARS = 16 * 1024;

/** A pending tool-call approval as remote clients see it: enough to know what they are approving. */
const RemoteQuestion = z.object({
  question: z.string(),
  header: z.string(),
  multiSelect: z.boolean(),
  options: z.array(z.object({ label: z.string(), description: z.string() })).max(64),
});

export const RemoteApproval = z.object({
  id: z.string().min(1).max(256),
  tool: z.string().max(256),
  /** What is asked: a tool call to allow (`tool`), questions to answer (`question`), a plan to accept (`plan`). */
  kind: z.enum(['tool', 'question', 'plan']).default('tool'),
  /** A question request's questions, for a client to offer one button per option (their text is in `summary` too). */
  questions: z.array(RemoteQuestion).max(16).optional(),
  /** The request in full (the command, the file, every input field), as `rcd approvals` shows it; see MAX_REMOTE_REQUEST_CHARS. */
  summary: z.string().max(MAX_REMOTE_REQUEST_CHARS),
  createdAt: Iso,
});
export type RemoteApproval = z.infer<typeof RemoteApproval>;

/**
 * The session as a remote client sees it once its sealed view is open (src/e2e/session-view.ts): everything a person
 * reads about it. The relay never sees this; it carries it sealed under the session's content key.
 */
export const SessionView = z.object({
  name: z.string(),
  agent: z.string(),
  cwd: z.string(),
  state: SessionState,
  pendingApprovals: z.number().int().min(0),
  /** The pending approvals, oldest first (at most 50; `pendingApprovals` counts them all). */
  approvals: z.array(RemoteApproval).max(50),
  /** A claude session's permission mode (null: not known yet, or another agent). */
  permissionMode: z.string().max(64).nullable().default(null),
  /**
   * When the daemon made this view (ms since the epoch, strictly increasing per daemon): a client refuses a view
   * older than one it has shown, so a relay replaying an old view cannot bring back a request that was answered.
   */
  at: z.number().int().min(0),
});
export type SessionView = z.infer<typeof SessionView>;

/** The largest sealed view: 50 approvals of MAX_REMOTE_REQUEST_CHARS, JSON-escaped, as base64 (4/3). */
export const MAX_SEALED_VIEW_CHARS = 1536 * 1024;

/**
 * The session as the relay holds and serves it: what it may see (id, whether it is live, times, its newest seq) and
 * the view, sealed. `live` tells the relay when a follower has had everything (a session that is not live and whose
 * events up to `lastSeq` are all held is finished). `sealed` is `<epoch>.<iv>.<ct>`; empty until the daemon has
 * sent one (a relay that upgraded from plaintext views holds none until its daemons link again).
 */
export const RemoteSession = z.object({
  id: SessionId,
  live: z.boolean(),
  updatedAt: Iso,
  /** The daemon's newest event seq for the session when it sent this view: a follower is done only past it. */
  lastSeq: z.number().int().min(0).default(0),
  sealed: z.string().max(MAX_SEALED_VIEW_CHARS).regex(/^(\d{1,9}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+)?$/),
});
export type RemoteSession = z.infer<typeof RemoteSession>;

/** Content keys sealed for one URL (src/e2e/envelope.ts): a few epochs of keys, opaque to the relay. */
const Envelope = z.string().max(16 * 1024);

/**
 * PUT /api/daemon/sessions/:id — registers or updates a session: its public view and its access.
 * `access: null` revokes (every URL of the session stops working); a new tokenHash replaces the old one at once.
 */
export const PutSessionRequest = z.object({
  session: RemoteSession,
  /**
   * `tokenHash`: sha256 of the control URL's steer credential (reads and steers); `readHash`: sha256 of the read
   * credential a view URL derives (reads only; null: no view URL). Both credentials derive from the URL's secret.
   */
  access: z.object({
    tokenHash: TokenHash,
    readHash: TokenHash.nullable().default(null),
    expiresAt: Iso.nullable(),
    /** The session's content keys sealed under the URL's key (src/e2e/envelope.ts); opaque to the relay. */
    envelope: Envelope.nullable().default(null),
  }).nullable(),
  /** The same keys sealed under the daemon's device URL's key (null: no device URL). */
  deviceEnvelope: Envelope.nullable().default(null),
});

/**
 * PUT /api/daemon/device — the daemon's device URL (docs/e2e-protocol.md): the hashes of the two credentials its
 * secret derives, as for a session URL. `access: null` revokes it. Each session's PUT carries the session's keys
 * sealed for it (`deviceEnvelope`).
 */
export const PutDeviceRequest = z.object({
  access: z.object({ tokenHash: TokenHash, readHash: TokenHash.nullable(), expiresAt: Iso.nullable() }).nullable(),
});
/**
 * `ackedSeq`: every event of the session up to it is held (or was pruned) by the relay. A daemon whose cursor is
 * ahead of it (the relay lost its data, or was restored from a backup) uploads again from there.
 */
export const PutSessionResponse = z.object({ ok: z.literal(true), ackedSeq: z.number().int().min(0).optional() });

/** DELETE /api/daemon/sessions/:id — the session was removed (`rcd rm`): its events and access go too. */

/** `sealed`: what daemons send (kind and bytes sealed together, src/e2e/records.ts); the others are readable. */
export const EventKind = z.enum(['output', 'state', 'sealed']);
export const RelayEvent = z.object({
  seq: z.number().int().min(1),
  at: Iso,
  kind: EventKind,
  /** output: the bytes, base64. state: a JSON document as text. sealed: `<epoch>.<iv>.<ciphertext>`. */
  data: z.string(),
});
export type RelayEvent = z.infer<typeof RelayEvent>;

/** POST /api/daemon/events — events in seq order; the relay stores them idempotently (UNIQUE(session, seq)). */
export const UploadRequest = z.object({
  sessions: z
    .array(
      z.object({
        id: SessionId,
        events: z.array(RelayEvent).max(MAX_EVENTS_PER_BATCH),
        /** The daemon no longer holds events before this seq (its retention pruned them): count them as pruned. */
        firstSeq: z.number().int().min(1).optional(),
      }),
    )
    .max(256),
});
/** For each session: the highest seq up to which the relay holds every event (the daemon's cursor). */
export const UploadResponse = z.object({ acked: z.record(z.number().int().min(0)) });

/** `sealed`: what the relay stores now (payload { nonce, sealed, proof }); the others are refused by daemons. */
export const InstructionKind = z.enum(['sealed', 'prompt', 'approve', 'deny', 'stop']);
export const Instruction = z.object({
  id: z.string().min(1).max(64),
  /** null: an instruction to the daemon itself (a remote start through the device URL). */
  session: SessionId.nullable(),
  kind: InstructionKind,
  /** sealed: { nonce, sealed, proof } (src/e2e/instructions.ts). */
  payload: z.record(z.unknown()),
  createdAt: Iso,
  /**
   * sha256 of the token the client used. The relay always sets it; a daemon runs an instruction only when it names
   * the session's current URL. `null` (or absent) still parses, so that the daemon refuses that one instruction
   * and reports it on the session instead of failing the whole poll (and the link with it).
   */
  via: TokenHash.nullable().default(null),
});
export type Instruction = z.infer<typeof Instruction>;

/** GET /api/daemon/poll?wait=<ms> — unacknowledged instructions, oldest first; held up to `wait` when there are none. */
export const PollResponse = z.object({ instructions: z.array(Instruction) });

/** POST /api/daemon/ack — the daemon stored these; the relay stops offering them. */
export const AckRequest = z.object({ ids: z.array(z.string().min(1).max(64)).max(1000) });
export const AckResponse = z.object({ ok: z.literal(true) });

// ---- remote client -> relay (the token in the path is the only credential) ----

/** GET /api/s/:token — the session. */
export const RemoteStatusResponse = z.object({
  session: RemoteSession,
  /** The view's fingerprint: pass it as `view` to the events poll to be answered when the view changes. */
  view: z.string(),
  /** The first seq the relay still holds (earlier output was pruned when > 1). */
  firstSeq: z.number().int().min(0),
  lastSeq: z.number().int().min(0),
  /** Whether the session's daemon has polled recently. */
  daemonOnline: z.boolean(),
  /** What the URL used may do: `control` reads and steers, `view` only reads. */
  scope: z.enum(['control', 'view']).default('control'),
  /** The session's content keys sealed under the URL's key: what opens its sealed events (null: none sent yet). */
  envelope: z.string().nullable().default(null),
});

/**
 * GET /api/d/:credential — a device URL's view of its daemon: every session, each with its keys sealed under the
 * device URL's key (`envelope`). The session endpoints below also answer under `/api/d/:credential/s/:id`.
 */
export const DeviceStatusResponse = z.object({
  daemonOnline: z.boolean(),
  scope: z.enum(['control', 'view']),
  sessions: z.array(z.object({
    session: RemoteSession,
    envelope: z.string().nullable(),
    firstSeq: z.number().int().min(0),
    lastSeq: z.number().int().min(0),
  })),
});

/** GET /api/s/:token/events?after=<seq>&wait=<ms> — events after `after`, held up to `wait` when there are none. */
export const RemoteEventsResponse = z.object({
  events: z.array(RelayEvent),
  /** True when events between `after` and the first returned one were pruned. */
  gap: z.boolean(),
  /** False once the session is not live and every event has been returned. */
  more: z.boolean(),
  /** The session's view when answering (state, pending approvals), and its fingerprint to pass back as `view`. */
  session: RemoteSession,
  view: z.string(),
});

/**
 * GET /api/s/:token/events?before=SEQ&limit=N — a page of history read backwards: the newest events before SEQ (at
 * most N, 1000 and about 1 MiB), oldest first, never held. The session page loads the end of a session this way and
 * older pages on demand.
 */
export const RemoteEarlierEventsResponse = z.object({
  events: z.array(RelayEvent),
  /** The relay holds events before the first one returned: ask again with that seq as `before`. */
  earlier: z.boolean(),
  /** It holds none, and the events just before the first one returned were pruned. */
  gap: z.boolean(),
  session: RemoteSession,
  view: z.string(),
});

/**
 * POST /api/s/:token/instructions — a prompt, an approval answer or a stop, sealed and proved by the client with the
 * control URL's key (src/e2e/instructions.ts); stored durably before the answer. The relay sees none of it: it
 * checks the credential's scope (a view URL gets 403), the shapes and the size. `nonce` is the idempotency key:
 * a retried send runs once.
 */
export const SealedInstructionRequest = z.object({
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  sealed: z.string().regex(/^\d{1,9}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/).max(MAX_SEALED_INSTRUCTION_CHARS),
  proof: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
});
export const InstructionAccepted = z.object({ id: z.string(), duplicate: z.boolean() });

/**
 * A sealed instruction's body, as the daemon parses it once opened (src/link/sealed-instruction.ts). `at`: when the
 * client made it; an instruction older than the daemon remembers nonces for is refused (it could be a replay).
 */

/** Every error answer, from any endpoint. */
export const RelayError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
