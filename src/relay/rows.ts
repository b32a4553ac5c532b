// Rows as both stores read them (sqlite/, pg/ name their columns alike) and what the handlers get from them.
import { RemoteSession, type Instruction } from '../protocol/relay.js';
import type { SessionRow } from './stores.js';

export interface RawSession {
  id: string; daemon_id: string; view: string; token_hash: string | null; read_hash: string | null; envelope: string | null; device_envelope: string | null;
  expires_at: string | null;
  acked_seq: number; pruned_through: number; event_count: number;
}

export const toSessionRow = (r: RawSession): SessionRow => ({
  id: r.id, daemonId: r.daemon_id, view: RemoteSession.parse(JSON.parse(r.view)), tokenHash: r.token_hash, envelope: r.envelope, deviceEnvelope: r.device_envelope,
  expiresAt: r.expires_at, ackedSeq: r.acked_seq, prunedThrough: r.pruned_through, eventCount: r.event_count,
});

export interface RawInstruction {
  id: string; session_id: string | null; kind: string; payload: string; via: string | null; created_at: string;
}

export const toInstruction = (r: RawInstruction): Instruction => ({
  id: r.id,
  session: r.session_id,
  kind: r.kind as Instruction['kind'],
  payload: JSON.parse(r.payload) as Record<string, unknown>,
  createdAt: r.created_at,
  via: r.via,
});
