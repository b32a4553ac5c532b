// Bytes ↔ text for the end-to-end layer, with nothing but what both Node and browsers have (no Buffer), so the
// same code runs in the daemon, the CLI and the web page.

import type { Bytes } from './webcrypto.js';

const B64URL = /^[A-Za-z0-9_-]*$/;

export function toBase64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes base64url (no padding); throws on anything else, so a mangled secret is an error, not other bytes. */
export function fromBase64url(text: string): Bytes {
  if (!B64URL.test(text) || text.length % 4 === 1) throw new Error('not base64url');
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

// A fresh array over its own ArrayBuffer, whatever the platform's typings say encode() returns.
export const utf8 = (text: string): Bytes => new Uint8Array(encoder.encode(text));
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes);
