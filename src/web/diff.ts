// A file edit shown as a diff: Edit and MultiEdit as the lines their old_string / new_string change (jsdiff's
// line diff, Myers' algorithm), Write as its content, all added. Only what the tool call carries is shown: the
// snippet it replaces, not the file around it, which the page never sees.
import { diffLines } from 'diff';
import { h, type VNode } from './vnode.js';

export type Row = { op: '+' | '-' | ' '; text: string };

// Past this many rows a diff stops, saying how many more there were: a phone need not lay out a 10,000-line Write.
const MAX_ROWS = 400;
// jsdiff gives up past this edit distance (a diff of two unrelated 5,000-line blocks would take seconds); the
// change is then shown as every old line removed and every new one added, which is what it nearly is anyway.
const MAX_EDIT_LENGTH = 2000;

const linesOf = (s: string): string[] => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));

/** old → new as rows of removed, added and kept lines. */
export function diffRows(before: string, after: string): Row[] {
  const parts = diffLines(before, after, { maxEditLength: MAX_EDIT_LENGTH });
  if (!parts) return [...linesOf(before).map((text) => ({ op: '-' as const, text })), ...linesOf(after).map((text) => ({ op: '+' as const, text }))];
  return parts.flatMap((p) => linesOf(p.value).map((text) => ({ op: p.added ? '+' as const : p.removed ? '-' as const : ' ' as const, text })));
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const CLASS = { '+': 'add', '-': 'del', ' ': 'ctx' } as const;

// Each row a block (its background spans the row), inside one box as wide as the longest row, which scrolls sideways
// inside the <pre>; each row's text ends in its newline, so copying the diff copies its lines.
function rowsNode(rows: Row[]): VNode {
  const shown = rows.slice(0, MAX_ROWS).map((r) => h('span', { class: CLASS[r.op] }, `${r.op} ${r.text}\n`));
  if (rows.length > MAX_ROWS) shown.push(h('span', { class: 'ctx' }, `… ${rows.length - MAX_ROWS} more lines\n`));
  return h('pre', { class: 'diff' }, h('div', { class: 'rows' }, ...shown));
}

/** The rows a file-editing tool call changes, or null for any other call (or one without the fields). */
export function editRows(tool: string, input: unknown): Row[] | null {
  const i = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  if (tool === 'Write' && typeof i.content === 'string') return diffRows('', i.content);
  if (tool === 'Edit' && typeof i.old_string === 'string' && typeof i.new_string === 'string') return diffRows(i.old_string, i.new_string);
  if (tool === 'MultiEdit' && Array.isArray(i.edits)) {
    // Each edit its own hunk, separated as a unified diff separates hunks.
    return i.edits.flatMap((e: unknown, n) => {
      const edit = e !== null && typeof e === 'object' ? (e as Record<string, unknown>) : {};
      return [...(n > 0 ? [{ op: ' ' as const, text: '⋯' }] : []), ...diffRows(str(edit.old_string), str(edit.new_string))];
    });
  }
  return null;
}

/** A file-editing tool call's diff to show under its line, or null. */
export function editDiff(tool: string, input: unknown): VNode | null {
  const rows = editRows(tool, input);
  return rows ? rowsNode(rows) : null;
}
