// How the relay stores a sealed event's data (src/relay/events-store.ts): packed as bytes where that gives back
// exactly the text the daemon sent, else as that text.
/**
 * Sealed event data (`<epoch>.<iv>.<ciphertext>`, src/e2e/records.ts) stored as bytes rather than base64: a quarter
 * less disk and WAL, no base64 in SQLite's pages. Layout: 0x01, epoch (uint32 BE), the 12-byte iv, the ciphertext.
 * Only what decodes and encodes back to the same text is packed, so reading always gives back exactly what the
 * daemon sent; anything else (and every row stored before migration 8, db.ts) stays text.
 */
const PACKED_V1 = 1;
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

export function unpackData(stored: Buffer | string): string {
  if (typeof stored === 'string') return stored;
  if (stored[0] !== PACKED_V1 || stored.length < 17) throw new Error('an event holds bytes in an unknown format');
  return `${stored.readUInt32BE(1)}.${stored.subarray(5, 17).toString('base64url')}.${stored.subarray(17).toString('base64url')}`;
}

/** The characters a stored row serves (what MAX_BYTES_PER_READ counts), without unpacking it. */
export function servedChars(stored: Buffer | string): number {
  if (typeof stored === 'string') return stored.length;
  return 10 + 2 + 16 + Math.ceil(((stored.length - 17) * 4) / 3);
}
