// What may be shown of a relay URL (status, logs): its origin, never user:password@, a path or a query.
export function relayOrigin(raw: string): string | null {
  try {
    const { origin } = new URL(raw);
    return origin === 'null' ? null : origin; // a scheme without an origin (bob:...) shows nothing
  } catch {
    return null;
  }
}
