// Text as the session page shows it. Agent output and approval requests are untrusted: terminal escapes and control
// characters other than tab and newline are dropped, and characters that reorder or hide text (bidi overrides,
// zero-width marks) and C1 controls are shown as <U+XXXX>, not obeyed, so a request cannot read differently from
// what runs (the CLI does the same in src/common/terminal.ts). The page only ever adds text nodes; this is what
// keeps those nodes honest.

// Terminal escapes (CSI, OSC, two-byte) and control characters other than tab and newline.
// eslint-disable-next-line no-control-regex
const NOISE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
const HIDDEN = /[\x80-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** Hidden and reordering characters made visible as <U+XXXX>. */
export const visible = (s: string): string =>
  s.replace(HIDDEN, (c) => `<U+${`000${c.charCodeAt(0).toString(16).toUpperCase()}`.slice(-4)}>`);

/** Output for reading: CRLF and lone CR become newlines, terminal escapes go, hidden characters show. */
export const clean = (s: string): string => visible(s.replace(/\r\n?/g, '\n').replace(NOISE, ''));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
