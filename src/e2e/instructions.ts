// Instructions (a prompt, an approval answer, a stop) as they travel client -> relay -> daemon: the body sealed
// under the session's content key, bound to the session and a client nonce, and an HMAC over it made with the proof
// key that only the control URL's key derives (proof.ts). The relay can store and forward one, never read, make or
// alter one; a view URL cannot make one either. The daemon checks the proof, refuses a nonce it has seen (a relay
// replaying an old instruction under a new id), and only then opens the body (node-sync.ts openInstructionSync).
import { toBase64url, utf8 } from './encoding.js';
import { controlKeys } from './keys.js';
import { prove } from './proof.js';
import type { EventOpener } from './records.js';
import { contexts, seal } from './seal.js';
import type { Bytes } from './webcrypto.js';

/** What a client asks of a session (`at` is added when it is sealed); src/protocol/relay.ts InstructionBody parses it. */
export interface InstructionBody {
  kind: 'prompt' | 'approve' | 'deny' | 'stop' | 'restart' | 'answer' | 'mode' | 'interrupt';
  text?: string;
  request?: string;
  message?: string;
  /** approve: allow what the request suggested for the rest of the session. */
  always?: boolean;
  /** approve (a plan): the permission mode to go on in; mode: the mode to switch to. */
  mode?: string;
  /** answer: [REQUEST] ANSWER... as typed. */
  args?: string[];
  /** The session's name as the sender saw it: the daemon refuses the instruction for a session of another name. */
  name?: string;
  /** approve, deny, answer: shownDigest() of the request's text as shown; the daemon refuses it if that is not what waits. */
  seen?: string;
}

/** sha256 (hex) of a request's text as a client showed it: what `seen` carries. */
export async function shownDigest(text: string): Promise<string> {
  const d = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', utf8(text)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** What the relay carries: opaque but for its size. `nonce` is also the idempotency key of retries. */
export interface SealedInstruction {
  nonce: string;
  sealed: string;
  proof: string;
}

// What the proof says the MAC is for (proof.ts binds it with the session, the nonce and the sealed body).
export const STEER = 'steer';

export async function sealInstruction(controlSecret: Bytes, keys: EventOpener, session: string, body: InstructionBody): Promise<SealedInstruction> {
  const nonce = toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(16)));
  const { epoch, key } = keys.newest();
  const sealed = `${epoch}.${await seal(key, utf8(JSON.stringify({ ...body, at: new Date().toISOString() })), contexts.instruction(session, nonce))}`;
  const proof = await prove((await controlKeys(controlSecret)).proofKey, { session, kind: STEER, nonce, payload: sealed });
  return { nonce, sealed, proof };
}
