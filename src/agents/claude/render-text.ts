// The pure half of the claude renderer: how a tool call, a request, a tool result and a content block read as text.
// It imports only questions.ts, which imports nothing (not even protocol.ts's types, which name Buffer), so the relay's
// session page bundles these very functions (src/web/claude-view.ts) and shows a tool call the way `rcd logs` and
// `rcd approvals` do.
// Nothing here is sanitized: the callers pass every line through their sanitizer (the terminal's, the page's).

import { planOf, questionsOf, questionsText } from './questions.js';

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
  // A question or a plan reads as what it asks, not as its JSON (the request line below it shows it whole).
  const questions = tool === 'AskUserQuestion' ? questionsOf(input) : null;
  if (questions) return clip(questions.map((q) => q.question).join(' · '), max);
  const plan = tool === 'ExitPlanMode' ? planOf(input) : null;
  if (plan) return clip(plan, max);
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
  const others = (skip: string) => Object.entries(fields).filter(([k]) => k !== skip).map(([k, v]) => `  ${k}: ${value(v)}`);
  // A question with its numbered options, a plan in full: what the person answers is what they read.
  const questions = tool === 'AskUserQuestion' ? questionsOf(input) : null;
  if (questions) return [`${tool}: Claude asks`, questionsText(questions, '  '), ...others('questions')].join('\n');
  const plan = tool === 'ExitPlanMode' ? planOf(input) : null;
  if (plan) return [`${tool}: Claude's plan`, indentRest(`    ${plan.replace(/\s+$/, '')}`, '    '), ...others('plan')].join('\n');
  const head = main === undefined ? tool : `${tool}: ${value(fields[main])}`;
  const rest = Object.entries(fields).filter(([k]) => k !== main).map(([k, v]) => `  ${k}: ${value(v)}`);
  return [head, ...rest].join('\n');
}

// A tool result's content is whatever the tool returned: a null or typeless block names itself instead of throwing.
// (The session page shows it whole, under its tool call: src/web/claude-view.ts.)
export function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((b: { type?: string; text?: string } | null) => (b?.type === 'text' ? b.text ?? '' : `[${b?.type ?? 'block'}]`)).join('\n');
  }
  return '';
}

function indentResult(text: string): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  const shown = lines.slice(0, MAX_RESULT_LINES).map((l) => `    ${l}`);
  if (lines.length > MAX_RESULT_LINES) shown.push(`    … ${lines.length - MAX_RESULT_LINES} more lines`);
  return shown.join('\n');
}

/** A content block as read here: protocol.ts's parsed blocks fit it, and so does the page's unvalidated JSON. */
export interface Block {
  type?: unknown;
  text?: unknown;
  name?: unknown;
  input?: unknown;
  content?: unknown;
  is_error?: unknown;
}

/** One content block of a message as text, or null for what nobody reads (empty text, thinking). */
export function renderBlock(b: Block): string | null {
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
      return `[${String(b.type)}]`;
  }
}

/** A prompt (replayed by Claude Code), quoted line by line like a mail reply. */
export const quote = (text: string) => text.replace(/\s+$/, '').split('\n').map((l) => `> ${l}`).join('\n');
