// The WebCrypto key type, named the same way under Node's typings and the DOM's, so src/e2e typechecks for both the
// daemon and the browser bundle (Node's types have no global CryptoKey; the DOM's have no node:crypto).
export type CryptoKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>;

// Bytes WebCrypto accepts under TypeScript 5.9's DOM lib (a BufferSource must be backed by an ArrayBuffer, not a
// SharedArrayBuffer); what `new Uint8Array(n)` makes.
export type Bytes = Uint8Array<ArrayBuffer>;
