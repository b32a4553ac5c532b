// The one sanitizer for text rcd prints but did not write itself (agent output, tool names and inputs, session
// names, paths, reasons, whatever a relay returns). A terminal obeys control sequences found in plain text: an
// erase-line plus CR hides the start of a command an approval shows, OSC 0 retitles the window, OSC 52 writes
// the clipboard. So every control character is shown visibly instead, and what is printed is what runs.
//
// Kept as they are: newline and tab (layout, not control). Removed: complete SGR colour sequences (ESC [ ... m),
// which only colour text, so a tool result's colours do not become noise. Shown visibly: every other C0
// control in caret notation (ESC as ^[), a CR that does not end a line as \r, DEL as ^?, C1 controls as \x9b,
// and the invisible Unicode controls that reorder or hide text (bidi overrides and isolates, zero-width marks,
// as in "Trojan Source") as <U+202E>. A CR that ends a line (CRLF) is dropped: it moves nothing.

// SGR: ESC [ parameters m. Parameters are digits, ';' and ':' (colon-separated sub-parameters, as in 38:2::r:g:b).
// eslint-disable-next-line no-control-regex -- matching control characters is this file's job
const SGR = /\x1b\[[0-9;:]*m/g;
// Everything to show visibly: C0 but tab and newline, DEL, C1, and the invisible reordering/zero-width controls.
// eslint-disable-next-line no-control-regex -- matching control characters is this file's job
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
// In one-line contexts (a table cell, a name in a sentence) newline and tab would break the layout too.
// eslint-disable-next-line no-control-regex -- matching control characters is this file's job
const UNSAFE_LINE = /[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff]/g;

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\r') return '\\r';
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  if (code === 0x7f) return '^?';
  if (code <= 0x9f) return `\\x${code.toString(16)}`;
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** Text safe for a terminal, lines kept: see the header for what becomes what. */
export function sanitize(text: string): string {
  return text.replace(SGR, '').replace(/\r\n/g, '\n').replace(UNSAFE, visible);
}

/** Text safe for one line of a terminal (a table cell, a value in a sentence): newlines and tabs shown too. */
export function sanitizeLine(text: string): string {
  return text.replace(SGR, '').replace(UNSAFE_LINE, visible);
}

/**
 * Breaks `text` into lines no wider than `width` characters, each continued line prefixed with `indent`, so a
 * long command is shown whole (never clipped with an ellipsis that could hide its tail). Breaks at the last space
 * before the limit when there is one, else mid-word; existing newlines are kept.
 */
export function wrap(text: string, width: number, indent = ''): string {
  const room = Math.max(20, width - indent.length);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let rest = line;
    while (rest.length > room) {
      const space = rest.lastIndexOf(' ', room);
      const cut = space > room / 2 ? space + 1 : room;
      out.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut);
    }
    out.push(rest);
  }
  return out.map((l, i) => (i === 0 ? l : `${indent}${l}`)).join('\n');
}
