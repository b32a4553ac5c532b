// A generic agent's output as a terminal would show it: SGR escapes (colours: the 16, the 256 and truecolor; bold,
// dim, italic, underline, strike-through, inverse) become styled spans, and every other escape (cursor moves, screen
// clears, OSC titles and links, DCS, lone ESC) is dropped. Pure (no DOM): it returns vnode.ts trees, which dom.ts
// turns into text nodes in spans, their colours set through CSSOM (the page's CSP refuses style attributes).
// The 16 base colours are classes (t-f0..15, t-b0..15; the page's style gives them per light/dark theme); the
// others are computed here. Escapes split between two chunks are kept until the rest comes.
import { h, type Style, type VNode } from './vnode.js';
import { visible } from './text.js';

/** A colour: a base-palette index (0–15, styled by class) or a CSS colour. */
type Colour = number | string;
interface Sgr { fg?: Colour; bg?: Colour; bold?: boolean; dim?: boolean; italic?: boolean; underline?: boolean; strike?: boolean; inverse?: boolean }

// A complete escape at the sticky position: CSI (group 1: parameters, group 2: final byte), OSC ended by BEL or
// ST, DCS/SOS/PM/APC ended by ST, or a two-byte / nF escape (whose final byte is none of those that open the others:
// `ESC [` at a chunk's end is the start of a CSI, not a whole escape).
// eslint-disable-next-line no-control-regex
const SEQ = /\x1b(?:\[([0-?]*)[ -/]*([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][\s\S]*?\x1b\\|[ -/]*[0-OQ-WYZ\\`-~])/y;
// The start of an escape that the chunk ended inside of.
// eslint-disable-next-line no-control-regex
const INCOMPLETE = /^\x1b(?:\[[0-?]*[ -/]*|\][^\x07]*|[PX^_][\s\S]*|[ -/]*)$/;
// An unfinished escape longer than this is not one being split but garbage (or an unending OSC): it is dropped.
const MAX_CARRY = 4096;
// Control characters but tab and newline (carriage returns are turned into newlines first, as text.ts does).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

const CUBE = [0, 95, 135, 175, 215, 255];
const hex = (r: number, g: number, b: number): string =>
  `#${[r, g, b].map((v) => Math.max(0, Math.min(255, v | 0)).toString(16).padStart(2, '0')).join('')}`;

/** A 256-colour index as a colour: 0–15 the base palette, then the 6×6×6 cube, then 24 greys. */
function palette(n: number): Colour | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return n;
  if (n < 232) return hex(CUBE[Math.floor((n - 16) / 36)] ?? 0, CUBE[Math.floor((n - 16) / 6) % 6] ?? 0, CUBE[(n - 16) % 6] ?? 0);
  const grey = 8 + (n - 232) * 10;
  return hex(grey, grey, grey);
}

/**
 * An extended colour (38/48) from its arguments, `5;N` or `2;R;G;B` (the colon forms `5:N`, `2:R:G:B` and
 * `2::R:G:B` arrive as one list too). Returns the colour and how many arguments it took.
 */
function extended(args: number[]): [Colour | undefined, number] {
  if (args[0] === 5) return [palette(args[1] ?? -1), 2];
  if (args[0] === 2) {
    const [r, g, b] = args.slice(1, 4);
    return [r === undefined || g === undefined || b === undefined ? undefined : hex(r, g, b), 4];
  }
  return [undefined, 1];
}

function applySgr(state: Sgr, params: string): Sgr {
  const s = { ...state };
  const groups = params === '' ? ['0'] : params.split(';');
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as string;
    if (group.includes(':')) {
      // ITU T.416 form: one group carries the whole colour (`38:2::R:G:B`, the empty colour space dropped).
      const sub = group.split(':').map((x) => Number(x || 0));
      const code = sub[0];
      const args = sub[1] === 2 && sub.length === 6 ? [2, ...sub.slice(3)] : sub.slice(1);
      if (code === 38) s.fg = extended(args)[0];
      else if (code === 48) s.bg = extended(args)[0];
      else if (code === 4) s.underline = sub[1] !== 0;
      continue;
    }
    const code = Number(group || 0);
    if (code === 38 || code === 48) {
      const rest = groups.slice(i + 1).map((x) => Number(x || 0));
      const [colour, took] = extended(rest);
      if (code === 38) s.fg = colour;
      else s.bg = colour;
      i += took;
      continue;
    }
    if (code === 0) for (const k of Object.keys(s) as (keyof Sgr)[]) delete s[k];
    else if (code === 1) s.bold = true;
    else if (code === 2) s.dim = true;
    else if (code === 3) s.italic = true;
    else if (code === 4) s.underline = true;
    else if (code === 7) s.inverse = true;
    else if (code === 9) s.strike = true;
    else if (code === 22) s.bold = s.dim = false;
    else if (code === 23) s.italic = false;
    else if (code === 24) s.underline = false;
    else if (code === 27) s.inverse = false;
    else if (code === 29) s.strike = false;
    else if (code >= 30 && code <= 37) s.fg = code - 30;
    else if (code === 39) delete s.fg;
    else if (code >= 40 && code <= 47) s.bg = code - 40;
    else if (code === 49) delete s.bg;
    else if (code >= 90 && code <= 97) s.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) s.bg = code - 100 + 8;
    // Anything else (blink, fonts, overline, …) changes nothing here.
  }
  return s;
}

/** Text in the current style: bare when there is none, else a span whose class and CSSOM style carry it. */
function styled(text: string, s: Sgr): VNode {
  let fg = s.fg;
  let bg = s.bg;
  // Inverse: the colours swap; an unset one stands for the page's own text or background colour.
  if (s.inverse) [fg, bg] = [bg ?? 'var(--box)', fg ?? 'var(--fg)'];
  const classes: string[] = [];
  const style: Style = {};
  if (typeof fg === 'number') classes.push(`t-f${fg}`);
  else if (fg) style.color = fg;
  if (typeof bg === 'number') classes.push(`t-b${bg}`);
  else if (bg) style.backgroundColor = bg;
  if (s.bold) style.fontWeight = 'bold';
  if (s.dim) style.opacity = '0.7';
  if (s.italic) style.fontStyle = 'italic';
  const lines = [s.underline && 'underline', s.strike && 'line-through'].filter(Boolean).join(' ');
  if (lines) style.textDecoration = lines;
  if (!classes.length && !Object.keys(style).length) return text;
  const span = h('span', classes.length ? { class: classes.join(' ') } : null, text);
  if (Object.keys(style).length) span.style = style;
  return span;
}

/** Terminal output, chunk by chunk, as styled text. One per stream: the style carries from chunk to chunk. */
export class Terminal {
  private state: Sgr = {};
  private carry = '';

  /** The next chunk's text, styled; an escape it ends inside of waits for the next chunk. */
  push(chunk: string): VNode[] {
    const text = this.carry + chunk;
    this.carry = '';
    const out: VNode[] = [];
    const emit = (t: string) => {
      const shown = visible(t.replace(/\r\n?/g, '\n').replace(CONTROLS, ''));
      if (!shown) return;
      const node = styled(shown, this.state);
      const last = out.length - 1;
      // Plain text between dropped escapes is one text node, not many.
      if (typeof node === 'string' && typeof out[last] === 'string') out[last] += node;
      else out.push(node);
    };
    let i = 0;
    for (;;) {
      const j = text.indexOf('\x1b', i);
      if (j === -1) {
        // A CR at the very end may be the first half of a CRLF: kept for the next chunk.
        const tail = text.endsWith('\r') ? 1 : 0;
        emit(text.slice(i, text.length - tail));
        if (tail) this.carry = '\r';
        break;
      }
      emit(text.slice(i, j));
      SEQ.lastIndex = j;
      const m = SEQ.exec(text);
      if (m) {
        if (m[2] === 'm') this.state = applySgr(this.state, m[1] ?? '');
        i = SEQ.lastIndex;
        continue;
      }
      const rest = text.slice(j);
      if (rest.length < MAX_CARRY && INCOMPLETE.test(rest)) {
        this.carry = rest;
        break;
      }
      i = j + 1; // a lone ESC, or garbage after it: the ESC goes, the rest is text
    }
    return out;
  }
}
