// How the relay stores a sealed event's data (src/relay/events-store.ts): packed as bytes where that gives back
// exactly the text the daemon sent, else as that text.
/**
 * Sealed event data (`<epoch>.<iv>.<ciphertext>`, src/e2e/records.ts) stored as bytes rather than base64: a quarter
 * less disk and WAL, no base64 in SQLite's pages. Layout: 0x01, epoch (uint32 BE), the 12-byte iv, the ciphertext.
 * Only what decodes and encodes back to the same text is packed, so reading always gives back exactly what the
 * daemon sent; anything else (and every row stored before migration 8, db.ts) stays text.
 */
const PACKED_V1 = 1;
// Text that does not pack, in a store whose column holds only bytes (PostgreSQL's bytea, pg/events.ts): 0x00, UTF-8.
const TEXT_V0 = 0;
const SEALED_RE = /^(0|[1-9]\d{0,8})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]+)$/;

export function packData(kind: string, data: string): Buffer | string {
  if (kind !== 'sealed') return data;
  const m = SEALED_RE.exec(data);
  if (!m) return data;
  const epoch = Number(m[1]);
  const iv = Buffer.from(m[2] as string, 'base64url');
  const ct = Buffer.from(m[3] as string, 'base64url');
  if (epoch > 0xffffffff || iv.length !== 12 || iv.toString('base64url') !== m[2] || ct.toString('base64url') !== m[3]) return data;
  const out = Buffer.allocUnsafe(17 + ct.length);
  out[0] = PACKED_V1;
  out.writeUInt32BE(epoch, 1);
  iv.copy(out, 5);
  ct.copy(out, 17);
  return out;
}

/** Event data as bytes whatever it is: packed when it packs, else tagged text (for a bytes-only column). */
export function packBytes(kind: string, data: string): Buffer {
  const packed = packData(kind, data);
  return typeof packed === 'string' ? Buffer.concat([Buffer.of(TEXT_V0), Buffer.from(packed, 'utf8')]) : packed;
}

export function unpackData(stored: Buffer | string): string {
  if (typeof stored === 'string') return stored;
  if (stored[0] === TEXT_V0) return stored.subarray(1).toString('utf8');
  if (stored[0] !== PACKED_V1 || stored.length < 17) throw new Error('an event holds bytes in an unknown format');
  return `${stored.readUInt32BE(1)}.${stored.subarray(5, 17).toString('base64url')}.${stored.subarray(17).toString('base64url')}`;
}

/** The characters a stored row serves (what MAX_BYTES_PER_READ counts), without unpacking it. */
export function servedChars(stored: Buffer | string): number {
  if (typeof stored === 'string') return stored.length;
  if (stored[0] === TEXT_V0) return stored.length - 1;
  return 10 + 2 + 16 + Math.ceil(((stored.length - 17) * 4) / 3);
}
