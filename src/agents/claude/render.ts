// Turns Claude Code's stream-json output into lines a person reads: assistant text, tool calls and their results,
// approvals, and a summary per turn with its cost. Used by `rcd logs` and `rcd remote logs`; `--json` skips it.
// Lines it does not know are shown as they are: a newer Claude Code must never make output disappear.
// The text of tool calls, requests and blocks is render-text.ts's (shared with the relay's session page).
// Every rendered line goes through the terminal sanitizer: agent text and tool input are the agent's to choose, and
// an escape sequence in them must not rewrite what a person reads (above all, what an approval shows).
import { StringDecoder } from 'node:string_decoder';
import { sanitize } from '../../common/terminal.js';
import { parseLine, type ClaudeLine } from './protocol.js';
import { quote, renderBlock, requestText } from './render-text.js';

// The pure functions (also bundled into the relay's session page) live in render-text.ts; these two are what
// the CLI and the daemon import from here.
export { requestText, toolSummary } from './render-text.js';

/** One parsed line as readable text, or null for protocol chatter nobody needs to see. */
export function renderLine(line: ClaudeLine, session = 'SESSION'): string | null {
  switch (line.kind) {
    case 'system': {
      const l = line.line;
      if (l.subtype === 'init') {
        return `── claude ${[l.model, l.permissionMode && `permissions: ${l.permissionMode}`, l.session_id && `conversation ${l.session_id}`].filter(Boolean).join(' · ')}`;
      }
      // Claude Code 2.1.332 says so when the mode changes (rcd mode, a plan accepted): docs/claude-code-protocol-notes.md.
      if (l.subtype === 'status' && l.permissionMode) return `── permissions now: ${l.permissionMode}`;
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
      const tool = line.request.tool_name;
      const how = tool === 'AskUserQuestion'
        ? `waiting for an answer ${short}: rcd answer ${session} ${short} ANSWER...  (one per question: a number, a label or your own words)`
        : tool === 'ExitPlanMode'
          ? `waiting for the plan to be accepted ${short}: rcd approve ${session} ${short} [--mode acceptEdits]  |  rcd deny ${session} ${short} -m "what to change"`
          : `waiting for approval ${short}: rcd approve ${session} ${short} [--always]  |  rcd deny ${session} ${short}`;
      return `? ${requestText(tool, line.request.input)}\n  ${how}`;
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
