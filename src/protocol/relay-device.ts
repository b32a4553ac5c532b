// The relay wire schemas of what concerns a daemon as a whole rather than one session (docs/relay-protocol.md):
// the sealed results of instructions to the daemon itself (a remote start, a directory listing, a push subscription)
// and Web Push notifications the daemon encrypted for browsers. Sessions, events and instructions: relay.ts.
import { z } from 'zod';

/** A result: sealed under the device key, bound to the instruction's nonce (src/e2e/device-instructions.ts). */
const SealedResult = z.string().regex(/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/).max(8192);

/**
 * POST /api/daemon/push — a Web Push notification the daemon encrypted for a browser (RFC 8291 aes128gcm, base64url);
 * the relay signs it (VAPID) and POSTs it to `endpoint`. The answer is the push service's status (404/410: the
 * subscription is gone, and the daemon forgets it).
 */
export const PushRequest = z.object({
  endpoint: z.string().url().max(2048),
  body: z.string().regex(/^[A-Za-z0-9_-]+$/).max(8192),
  ttl: z.number().int().min(0).max(24 * 3600),
  urgency: z.enum(['very-low', 'low', 'normal', 'high']).default('normal'),
  topic: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).optional(),
});
export const PushResponse = z.object({ status: z.number().int() });
/** GET /api/push/key — the relay's VAPID public key, for a browser's PushManager.subscribe (applicationServerKey). */
export const PushKeyResponse = z.object({ publicKey: z.string() });

/** POST /api/daemon/results — what the daemon made of instructions to itself, for their clients to fetch. */
export const ResultsRequest = z.object({ results: z.array(z.object({ id: z.string().min(1).max(64), result: SealedResult })).max(100) });
export const ResultsResponse = z.object({ ok: z.literal(true), stored: z.number().int() });

/**
 * GET /api/d/:credential/instructions/:id?wait=<ms> — an instruction to the daemon itself: `taken` once the daemon
 * stored it, `result` (sealed) once it carried it out or refused it; held up to `wait` while there is none.
 */
export const DeviceInstructionState = z.object({ id: z.string(), taken: z.boolean(), result: SealedResult.nullable() });
