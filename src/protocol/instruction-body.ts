// The body of a sealed instruction, as the daemon parses it once opened (src/link/sealed-instruction.ts): what a
// remote client may ask of a session. Clients build it as src/e2e/instructions.ts InstructionBody; the relay never
// sees it (docs/e2e-protocol.md).
import { z } from 'zod';
import { MAX_PROMPT_BYTES } from './relay.js';

const Iso = z.string().datetime();

const PermissionMode = z.enum(['default', 'acceptEdits', 'bypassPermissions', 'plan']);
/**
 * What every instruction may say of what its sender saw, checked by the daemon against the truth (a view forged on
 * the relay by someone who holds a content key cannot make one act on another session or request than it showed):
 * `name`, the session's name; `seen`, sha256 (hex) of the request's text as shown (src/e2e/instructions.ts).
 */
const Shown = { at: Iso, name: z.string().min(1).max(64).optional() };
const Seen = z.string().regex(/^[0-9a-f]{64}$/).optional();

/**
 * `at`: when the client made it; an instruction older than the daemon remembers nonces for, or dated ahead of its
 * clock, is refused (it could be a replay).
 */
export const InstructionBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('prompt'), ...Shown, text: z.string().min(1).max(MAX_PROMPT_BYTES) }),
  z.object({
    kind: z.literal('approve'), ...Shown, request: z.string().min(1).max(128).optional(), seen: Seen,
    /** `rcd approve --always`: allow what the request suggested for the rest of the session. */
    always: z.boolean().optional(),
    /** `rcd approve --mode`: a plan accepted into this permission mode. */
    mode: PermissionMode.optional(),
  }),
  /** `rcd answer`: [REQUEST] ANSWER... exactly as typed; the daemon reads them as `rcd answer` does locally. */
  z.object({ kind: z.literal('answer'), ...Shown, seen: Seen, args: z.array(z.string().min(1).max(MAX_PROMPT_BYTES)).min(1).max(64) }),
  z.object({ kind: z.literal('mode'), ...Shown, mode: PermissionMode }),
  z.object({ kind: z.literal('interrupt'), ...Shown }),
  z.object({
    kind: z.literal('deny'), ...Shown, request: z.string().min(1).max(128).optional(), seen: Seen, message: z.string().min(1).max(4096).optional(),
  }),
  z.object({ kind: z.literal('stop'), ...Shown }),
  /** `rcd restart` from afar: a fresh run (a live one is stopped first), the same conversation for claude. */
  z.object({ kind: z.literal('restart'), ...Shown }),
]).refine((b) => !(b.kind === 'approve' && b.always && b.mode), 'always and mode exclude each other');
export type InstructionBody = z.infer<typeof InstructionBody>;

/**
 * An instruction to the daemon itself, through its device URL (src/e2e/device-instructions.ts): `rcd remote start`.
 * The daemon checks `cwd` against config.json `remoteStartRoots` on the real path (src/daemon/remote/remote-start.ts).
 */
export const DeviceInstructionBody = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('start'),
    at: Iso,
    cwd: z.string().min(1).max(4096),
    name: z.string().min(1).max(64).optional(),
    agent: z.enum(['generic', 'claude']),
    /** generic: CMD ARGS; claude: the arguments passed through to Claude Code. */
    command: z.array(z.string().max(65536)).max(1024),
    worktree: z.boolean().default(false),
    branch: z.string().min(1).max(200).optional(),
  }).strict(),
  /**
   * What a start form offers: the roots, or the directories in one directory under them (checked as a start's
   * `cwd` is). Nothing but names; nothing is changed.
   */
  z.object({ kind: z.literal('dirs'), at: Iso, path: z.string().min(1).max(4096).optional() }).strict(),
  /**
   * An installed web app asks to be notified (Web Push, src/daemon/remote/push.ts): its PushSubscription. The keys
   * are the browser's (RFC 8291): the daemon encrypts each notification for them; the relay only delivers.
   */
  z.object({
    kind: z.literal('push-subscribe'),
    at: Iso,
    subscription: z.object({
      endpoint: z.string().url().max(2048).refine((u) => /^https?:\/\//.test(u), 'a push endpoint is a URL'),
      keys: z.object({ p256dh: z.string().regex(/^[A-Za-z0-9_-]{80,100}$/), auth: z.string().regex(/^[A-Za-z0-9_-]{16,32}$/) }),
    }),
  }).strict(),
  z.object({ kind: z.literal('push-unsubscribe'), at: Iso, endpoint: z.string().url().max(2048) }).strict(),
]);
export type DeviceInstructionBody = z.infer<typeof DeviceInstructionBody>;

/** What the daemon answers a device instruction with (sealed for the device URL; the client opens and shows it). */
export const DeviceInstructionResult = z.union([
  z.object({
    ok: z.literal(true),
    session: z.object({ id: z.string(), name: z.string(), cwd: z.string(), agent: z.string(), worktree: z.object({ path: z.string(), branch: z.string() }).nullable() }),
    /** Whose environment the agent got (see README "Remote start"). */
    environment: z.string(),
  }),
  z.object({
    ok: z.literal(true),
    roots: z.array(z.string()),
    /** The directory listed (its real path), or null for the roots alone. */
    path: z.string().nullable(),
    /** Its subdirectories' names, sorted, hidden ones left out. */
    dirs: z.array(z.string()),
    /** More than the list holds. */
    more: z.boolean(),
  }),
  z.object({ ok: z.literal(true), subscribed: z.boolean() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type DeviceInstructionResult = z.infer<typeof DeviceInstructionResult>;
