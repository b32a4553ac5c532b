// A claude session's stream-json output as the page shows it: each line becomes items (claudeItems), and items
// become trees (itemNode). Assistant text is Markdown (markdown.ts); a tool call is one line, the line `rcd logs`
// prints (render-text.ts's toolSummary), whose result opens under it (<details>); Edit, Write and MultiEdit show
// their diff (diff.ts); a turn ends with a footer of its cost and duration; prompts are quoted; a request reads as
// `rcd approvals` shows it. Input is untrusted JSON from the agent: every text goes through `clean` (text.ts) and
// ends in a text node, and a line that is not known is shown as it came, never dropped. Pure: no DOM here
// (transcript.ts places the trees and pairs each result with its call).
import { renderBlock, requestText, resultText, toolSummary } from '../agents/claude/render-text.js';
import { editDiff } from './diff.js';
import { markdown } from './markdown.js';
import { clean } from './text.js';
import { h, type VNode } from './vnode.js';

export type Item =
  | { kind: 'markdown'; text: string }
  | { kind: 'tool'; id: string; line: string; diff: VNode | null }
  | { kind: 'result'; id: string; text: string; error: boolean }
  | { kind: 'prompt'; text: string }
  | { kind: 'turn'; text: string; error: boolean }
  | { kind: 'request'; text: string }
  /** A line of its own, small: the session's start, a notice, a block of a kind the page does not render. */
  | { kind: 'note'; text: string }
  /** A line that is not stream-json the page knows: shown as it came. */
  | { kind: 'raw'; text: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

// A result longer than this shows its start and says how much more there was: a 5,000-line Read need not be laid
// out on a phone. (`rcd logs` shows 12 lines; the page has room for more, folded away.)
const MAX_RESULT_CHARS = 20_000;

function turn(v: Json): Item {
  const ok = v.subtype === 'success' && !v.is_error;
  const parts = [
    ok ? 'turn done' : `turn ended: ${String(v.subtype)}`,
    typeof v.num_turns === 'number' ? `${v.num_turns} turn${v.num_turns === 1 ? '' : 's'}` : null,
    typeof v.total_cost_usd === 'number' ? `$${v.total_cost_usd.toFixed(4)}` : null,
    typeof v.duration_ms === 'number' ? `${(v.duration_ms / 1000).toFixed(1)} s` : null,
    Array.isArray(v.permission_denials) && v.permission_denials.length ? `${v.permission_denials.length} denied` : null,
  ];
  return { kind: 'turn', text: parts.filter(Boolean).join(' · '), error: !ok };
}

function block(b: unknown, user: boolean): Item | null {
  if (!isObject(b)) return null;
  if (b.type === 'text' && typeof b.text === 'string') {
    if (!b.text.trim()) return null;
    return user ? { kind: 'prompt', text: b.text } : { kind: 'markdown', text: b.text };
  }
  if (b.type === 'tool_use') {
    const name = String(b.name);
    return { kind: 'tool', id: String(b.id), line: `${name}: ${toolSummary(name, b.input)}`, diff: editDiff(name, b.input) };
  }
  if (b.type === 'tool_result') return { kind: 'result', id: String(b.tool_use_id), text: resultText(b.content), error: b.is_error === true };
  const text = renderBlock(b);
  return text === null ? null : { kind: 'note', text };
}

const blocks = (list: unknown[], user: boolean): Item[] => list.map((b) => block(b, user)).filter((x): x is Item => x !== null);

/** One line of output as items to show; none for protocol chatter (a control response) and thinking. */
export function claudeItems(raw: string): Item[] {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return [{ kind: 'raw', text: raw }];
  }
  if (!isObject(v)) return [{ kind: 'raw', text: raw }];
  const m = isObject(v.message) ? v.message : {};
  const request = isObject(v.request) ? v.request : null;
  if (v.type === 'system') {
    // A mode change (a plan accepted, `rcd mode`), as rcd logs shows it (src/agents/claude/render.ts).
    if (v.subtype === 'status' && typeof v.permissionMode === 'string') return [{ kind: 'note', text: `── permissions now: ${v.permissionMode}` }];
    if (v.subtype !== 'init') return [{ kind: 'note', text: `[system: ${String(v.subtype)}]` }];
    return [{ kind: 'note', text: `── claude ${[v.model, v.permissionMode && `permissions: ${String(v.permissionMode)}`].filter(Boolean).join(' · ')}` }];
  }
  if (v.type === 'assistant' && Array.isArray(m.content)) return blocks(m.content, false);
  if (v.type === 'user') {
    if (typeof m.content === 'string') return m.content.trim() ? [{ kind: 'prompt', text: m.content }] : [];
    if (Array.isArray(m.content)) return blocks(m.content, true);
  }
  if (v.type === 'result') return [turn(v)];
  if (v.type === 'control_request' && request?.subtype === 'can_use_tool') {
    return [{ kind: 'request', text: `? ${requestText(String(request.tool_name), request.input)}\n  waiting for approval ${String(v.request_id).slice(0, 8)}` }];
  }
  if (v.type === 'control_cancel_request') return [{ kind: 'note', text: `? approval ${String(v.request_id).slice(0, 8)} withdrawn by the agent` }];
  if (v.type === 'control_response') return [];
  return [{ kind: 'raw', text: raw }];
}

/** A tool result's text as shown when opened: cleaned, and cut past MAX_RESULT_CHARS with a count of the rest. */
export function resultBody(text: string, error: boolean): VNode {
  const shown = clean(text.replace(/\s+$/, '')) || '(no output)';
  const cut = shown.length > MAX_RESULT_CHARS ? `${shown.slice(0, MAX_RESULT_CHARS)}\n… ${shown.length - MAX_RESULT_CHARS} more characters` : shown;
  return h('pre', { class: error ? 'result error' : 'result' }, cut);
}

/** The one line of a tool call, and of its result once known (✓ or ✗ after it). */
export const toolLine = (line: string, outcome?: 'ok' | 'error'): VNode[] =>
  [h('span', { class: 'arrow' }, '→ '), clean(line), ...(outcome ? [h('span', { class: outcome }, outcome === 'ok' ? ' ✓' : ' ✗')] : [])];

/**
 * An item as a tree. A tool call is a <details> whose summary is its line, opened to show the result (filled in by
 * transcript.ts when it comes), and its diff below; a result whose call is not shown (it is on an older page) is a
 * <details> of its own.
 */
export function itemNode(item: Item): VNode {
  switch (item.kind) {
    case 'markdown':
      return h('div', { class: 'md' }, ...markdown(clean(item.text)));
    case 'tool':
      return h('div', { class: 'tool', 'data-tool': item.id },
        h('details', null, h('summary', null, ...toolLine(item.line)), h('pre', { class: 'result pending' }, 'no result yet')),
        item.diff);
    case 'result':
      return h('div', { class: 'tool', 'data-tool': item.id },
        h('details', null, h('summary', null, h('span', { class: 'arrow' }, '← '), item.error ? 'tool error' : 'tool result',
          h('span', { class: item.error ? 'error' : 'ok' }, item.error ? ' ✗' : ' ✓')), resultBody(item.text, item.error)));
    case 'prompt':
      return h('blockquote', { class: 'prompt' }, clean(item.text.replace(/\s+$/, '')));
    case 'turn':
      return h('div', { class: item.error ? 'turn error' : 'turn' }, clean(item.text));
    case 'request':
      return h('pre', { class: 'request' }, clean(item.text));
    case 'note':
      return h('div', { class: 'note' }, clean(item.text));
    case 'raw':
      return h('pre', { class: 'raw' }, clean(item.text));
  }
}
