// A claude session's stream-json output as the page shows it: a subset of src/agents/claude/render.ts (no
// per-turn count or duration, no `rcd approve` hint, which is for the terminal), built on the same pure functions
// (render-text.ts) so a tool call, a request and a result read the same on the page as in `rcd logs`.
// Input is untrusted JSON from the agent: anything that is not a known line is shown as it came, never dropped.
import { quote, renderBlock, requestText } from '../agents/claude/render-text.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object';

const block = (b: unknown): string | null => (isObject(b) ? renderBlock(b) : null);
const blocks = (list: unknown[]): string | null => list.map(block).filter((x) => x !== null).join('\n') || null;

function result(v: Json): string {
  const parts = [v.subtype === 'success' && !v.is_error ? 'turn done' : `turn ended: ${String(v.subtype)}`];
  if (typeof v.total_cost_usd === 'number') parts.push(`$${v.total_cost_usd.toFixed(4)}`);
  const denials = v.permission_denials;
  if (Array.isArray(denials) && denials.length) parts.push(`${denials.length} denied`);
  return `── ${parts.join(' · ')}`;
}

/** One line of output as text, or null for protocol chatter (a control response). */
export function claudeLine(raw: string): string | null {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return raw;
  }
  if (!isObject(v)) return raw;
  const m = isObject(v.message) ? v.message : {};
  const request = isObject(v.request) ? v.request : null;
  if (v.type === 'system') {
    if (v.subtype === 'status' && v.permissionMode) return `── permissions now: ${String(v.permissionMode)}`;
    if (v.subtype !== 'init') return `[system: ${String(v.subtype)}]`;
    return `── claude ${[v.model, v.permissionMode && `permissions: ${String(v.permissionMode)}`].filter(Boolean).join(' · ')}`;
  }
  if (v.type === 'assistant' && Array.isArray(m.content)) return blocks(m.content);
  if (v.type === 'user') return typeof m.content === 'string' ? quote(m.content) : Array.isArray(m.content) ? blocks(m.content) : null;
  if (v.type === 'result') return result(v);
  if (v.type === 'control_request' && request?.subtype === 'can_use_tool') {
    return `? ${requestText(String(request.tool_name), request.input)}\n  waiting for approval ${String(v.request_id).slice(0, 8)}`;
  }
  if (v.type === 'control_cancel_request') return `? approval ${String(v.request_id).slice(0, 8)} withdrawn by the agent`;
  if (v.type === 'control_response') return null;
  return raw;
}

/**
 * Decoded output text → rendered lines. Output arrives in chunks that split lines: the unfinished last line is
 * kept until its newline comes. A generic agent's output passes through as it is.
 */
export function lineRenderer(claude: boolean): (text: string) => string {
  if (!claude) return (text) => text;
  let carry = '';
  return (chunk) => {
    const text = carry + chunk;
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      carry = text;
      return '';
    }
    carry = text.slice(end + 1);
    return text.slice(0, end).split('\n').filter((l) => l.trim()).map(claudeLine)
      .filter((x) => x !== null).map((x) => `${x}\n`).join('');
  };
}
