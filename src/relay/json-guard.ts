// Parsing request bodies as JSON without letting one client stall the relay. JSON.parse and the zod checks after
// it run on the event loop, and their cost grows with a body's structure, not only its size: 4 MiB of nested
// brackets took 0.6 s per body, 1M tiny array items 0.25 s (eight at once: 4.9 s and 2 s during which nobody
// else was answered). So a linear scan first refuses bodies shaped like no message of the protocol (too deep, too
// many values), and big bodies are parsed one at a time with a turn of the event loop between them, so waiting
// requests are answered in between.

// The deepest protocol message nests 5 levels ({ sessions: [{ events: [{ … }] }] }); room for change, nowhere near
// where parsing cost explodes.
export const MAX_JSON_DEPTH = 16;
// Separators (`,` and `:`) outside strings, roughly twice the number of values. The largest message is an upload of
// 500 events of 4 fields (~4,000); a session view with 50 approvals ~500. Ten thousand values bound zod's work.
export const MAX_JSON_SEPARATORS = 20_000;
// Bodies at least this big wait their turn (parsing a smaller one takes well under a millisecond).
const GATED_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** The index of the quote that ends the string opened at `open`, or -1 when it never ends. */
function stringEnd(text: string, open: number): number {
  // A native search for the next quote, then the backslashes before it say whether it is escaped: output events are
  // long base64 strings, and stepping through them a character at a time cost more than JSON.parse itself.
  for (let q = text.indexOf('"', open + 1); q >= 0; q = text.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return -1;
}

/** Why the body's shape is refused, or null when it may be parsed (JSON.parse then judges its syntax). */
export function jsonShapeProblem(text: string): string | null {
  let depth = 0;
  let separators = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return null; // unterminated: not JSON, which JSON.parse says at once
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) return `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    else if ((c === COMMA || c === COLON) && ++separators > MAX_JSON_SEPARATORS) {
      return `more than ${MAX_JSON_SEPARATORS} JSON values`;
    }
  }
  return null;
}

/** The previous big parse; the next one starts a turn of the event loop after it ends. */
let tail: Promise<unknown> = Promise.resolve();

/**
 * Runs `parse` (JSON.parse and schema checks of `text`) now for a small body, or after every big one before it,
 * each in its own turn of the event loop, so that other requests are answered between two big parses.
 */
export function parseInTurn<T>(text: string, parse: () => T): Promise<T> {
  if (text.length < GATED_BYTES) return Promise.resolve().then(parse);
  const run = tail.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(parse);
  tail = run.catch(() => undefined);
  return run;
}
