// Turns Claude Code's stream-json output into lines a person reads: assistant text, tool calls and their results,
// approvals, and a summary per turn with its cost. Used by `rcd logs` and `rcd remote logs`; `--json` skips it.
// Lines it does not know are shown as they are: a newer Claude Code must never make output disappear.
// Every rendered line goes through the terminal sanitizer: agent text and tool input are the agent's to choose, and
// an escape sequence in them must not rewrite what a person reads (above all, what an approval shows).
import { StringDecoder } from 'node:string_decoder';
import { sanitize } from '../../common/terminal.js';
import { parseLine, type ClaudeLine, type ContentBlock } from './protocol.js';

const MAX_RESULT_LINES = 12;
const MAX_FIELD_CHARS = 240;

function clip(text: string, max = MAX_FIELD_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const PRIMARY_FIELDS = ['command', 'file_path', 'path', 'pattern', 'url', 'description'];

const fieldsOf = (input: unknown): Record<string, unknown> =>
  input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};

/** The input field that says most about a tool call (the command, the file), if it has one. */
function primaryField(input: unknown): string | undefined {
  const i = fieldsOf(input);
  return PRIMARY_FIELDS.find((k) => typeof i[k] === 'string');
}

/**
 * The one thing about a tool call worth a line: the command, the file, else its input in brief. Clipped, with a
 * visible ellipsis: for history and tool-call lines only, never for a request someone is deciding on (requestText).
 */
export function toolSummary(tool: string, input: unknown, max = MAX_FIELD_CHARS): string {
  const key = primaryField(input);
  if (key) return clip(fieldsOf(input)[key] as string, max);
  const json = JSON.stringify(input ?? {});
  return clip(json === '{}' ? tool : json, max);
}

const indentRest = (text: string, indent: string) => text.replace(/\n/g, `\n${indent}`);

/**
 * A request as a person deciding on it must see it: whole, nothing clipped or flattened. The first line is
 * `TOOL: <main field>` (the command, the file), then every other input field as `key: value` (strings as they
 * are, line breaks kept and indented; other values as JSON). Not sanitized here: the caller prints it through
 * the sanitizer, which shows any control character visibly instead of letting it hide the rest.
 */
export function requestText(tool: string, input: unknown): string {
  const fields = fieldsOf(input);
  const main = primaryField(input);
  const value = (v: unknown) => indentRest(typeof v === 'string' ? v : JSON.stringify(v) ?? String(v), '    ');
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return `${tool}: ${value(input)}`;
  const head = main === undefined ? tool : `${tool}: ${value(fields[main])}`;
  const rest = Object.entries(fields).filter(([k]) => k !== main).map(([k, v]) => `  ${k}: ${value(v)}`);
  return [head, ...rest].join('\n');
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((b: { type?: string; text?: string }) => (b.type === 'text' ? b.text ?? '' : `[${b.type ?? 'block'}]`)).join('\n');
  }
  return '';
}

function indentResult(text: string): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  const shown = lines.slice(0, MAX_RESULT_LINES).map((l) => `    ${l}`);
  if (lines.length > MAX_RESULT_LINES) shown.push(`    … ${lines.length - MAX_RESULT_LINES} more lines`);
  return shown.join('\n');
}

function renderBlock(b: ContentBlock): string | null {
  switch (b.type) {
    case 'text':
      return typeof b.text === 'string' && b.text.trim() ? b.text.replace(/\s+$/, '') : null;
    case 'tool_use':
      return `→ ${String(b.name)}: ${toolSummary(String(b.name), b.input)}`;
    case 'tool_result': {
      const text = resultText(b.content).trim();
      return `${b.is_error ? '✗ tool error' : '← tool result'}${text ? `\n${indentResult(text)}` : ' (no output)'}`;
    }
    case 'thinking':
    case 'redacted_thinking':
      return null;
    default:
      return `[${b.type}]`;
  }
}

/** A prompt (replayed by Claude Code), quoted line by line like a mail reply. */
const quote = (text: string) => text.replace(/\s+$/, '').split('\n').map((l) => `> ${l}`).join('\n');

/** One parsed line as readable text, or null for protocol chatter nobody needs to see. */
export function renderLine(line: ClaudeLine, session = 'SESSION'): string | null {
  switch (line.kind) {
    case 'system': {
      const l = line.line;
      if (l.subtype === 'init') {
        return `── claude ${[l.model, l.permissionMode && `permissions: ${l.permissionMode}`, l.session_id && `conversation ${l.session_id}`].filter(Boolean).join(' · ')}`;
      }
      return `[system: ${l.subtype}]`;
    }
    case 'assistant':
      return line.line.message.content.map(renderBlock).filter((t) => t !== null).join('\n') || null;
    case 'user': {
      const c = line.line.message.content;
      if (typeof c === 'string') return quote(c);
      return c.map((b) => (b.type === 'text' && typeof b.text === 'string' ? quote(b.text) : renderBlock(b))).filter((t) => t !== null).join('\n') || null;
    }
    case 'result': {
      const l = line.line;
      const parts = [
        l.subtype === 'success' && !l.is_error ? 'turn done' : `turn ended: ${l.subtype}`,
        l.num_turns !== undefined ? `${l.num_turns} turn${l.num_turns === 1 ? '' : 's'}` : null,
        l.total_cost_usd !== undefined ? `$${l.total_cost_usd.toFixed(4)}` : null,
        l.duration_ms !== undefined ? `${(l.duration_ms / 1000).toFixed(1)} s` : null,
        l.permission_denials?.length ? `${l.permission_denials.length} denied` : null,
      ];
      return `── ${parts.filter(Boolean).join(' · ')}`;
    }
    case 'permission': {
      const short = line.requestId.slice(0, 8);
      return `? ${requestText(line.request.tool_name, line.request.input)}\n  waiting for approval ${short}: rcd approve ${session} ${short}  |  rcd deny ${session} ${short}`;
    }
    case 'control_cancel':
      return `? approval ${line.requestId.slice(0, 8)} withdrawn by the agent`;
    case 'control_response':
      return null; // Claude Code's answer to our interrupt
    case 'control_request':
      return `[control request: ${line.line.request.subtype}]`;
    case 'unknown':
      return JSON.stringify(line.value);
    case 'text':
      return line.text;
  }
}

/** Renders a byte stream of stream-json output, chunk by chunk (chunks may split lines and characters). */
export class ClaudeRenderer {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';

  constructor(private readonly session = 'SESSION') {}

  push(chunk: Buffer): string {
    const text = this.carry + this.decoder.write(chunk);
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      this.carry = text;
      return '';
    }
    this.carry = text.slice(end + 1);
    return this.render(text.slice(0, end));
  }

  /** The unfinished last line, if any (the stream ended without its newline). */
  end(): string {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    return rest ? this.render(rest) : '';
  }

  private render(lines: string): string {
    let out = '';
    for (const raw of lines.split('\n')) {
      if (!raw.trim()) continue;
      const shown = renderLine(parseLine(raw), this.session);
      if (shown !== null) out += `${sanitize(shown)}\n`;
    }
    return out;
  }
}
