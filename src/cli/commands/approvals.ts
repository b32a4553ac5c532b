// rcd approvals [SESSION] [--all] [--json], rcd approve SESSION [REQUEST] [--always|--mode M], rcd deny SESSION
// [REQUEST] [--message M], rcd answer SESSION [REQUEST] ANSWER...: what agents wait on (tool calls, questions, plans),
// and answering it. No REQUEST: the oldest pending one of the session (for answer: the oldest question).
// Pending requests are shown whole (wrapped to the terminal, never clipped): what is approved is what runs, a
// question with its numbered options, a plan in full. Decided ones are history and get a clipped one-line summary.
import { requestText, toolSummary } from '../../agents/claude/render.js';
import { sanitize, wrap } from '../../common/terminal.js';
import type { Approval } from '../../protocol/api.js';
import { oneOf, parse, usageError } from '../args.js';
import { table } from '../format.js';
import type { CommandContext } from '../context.js';

const MODES = ['default', 'acceptEdits', 'bypassPermissions', 'plan'] as const;

// A table row's worth of a decided request: a question's answers, else its input in brief.
const answersText = (answers: Record<string, string>) => Object.entries(answers).map(([q, v]) => `${JSON.stringify(q)}=${JSON.stringify(v)}`).join(', ');
const brief = (a: Approval) => (a.answers ? toolSummary(a.tool, answersText(a.answers), 80) : toolSummary(a.tool, a.input, 80));

// Where a request's lines break: the terminal's width when there is one; piped output is not broken at all.
const width = () => (process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : Number.POSITIVE_INFINITY);

/** A pending request in full, indented under its row: sanitized first, so a control character cannot hide a line. */
function whole(a: Approval, indent: string): string {
  return sanitize(requestText(a.tool, a.input)).split('\n').map((l) => indent + wrap(l, width(), `${indent}  `)).join('\n');
}

export async function approvals(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('approvals', argv, { json: { type: 'boolean' }, all: { type: 'boolean' }, audit: { type: 'boolean' } }, { min: 0, max: 1 });
  const session = positionals[0] ? { session: positionals[0] } : {};
  if (values.audit && values.all) throw usageError('approvals', '--all and --audit exclude each other (the audit trail already has every decision)');
  if (values.audit) return audit(session, Boolean(values.json), ctx);
  const { approvals: list } = await ctx.client().call('approvals', { ...session, all: Boolean(values.all), audit: false });
  if (values.json) {
    ctx.json(list, true);
    return 0;
  }
  if (list.length === 0) {
    ctx.out(values.all ? 'no approvals yet' : 'nothing is waiting for approval');
    return 0;
  }
  const rows = [['ID', 'SESSION', 'TOOL', 'STATE', 'ASKED', 'INPUT']];
  for (const a of list) {
    const state = a.state === 'pending' ? 'pending' : `${a.state}${a.decidedBy ? ` (${a.decidedBy})` : ''}`;
    rows.push([a.id.slice(0, 8), a.sessionName, a.tool, state, a.createdAt.slice(11, 19), a.state === 'pending' ? '(below)' : brief(a)]);
  }
  const [head = '', ...lines] = table(rows).split('\n');
  ctx.out([head, ...lines.flatMap((line, i) => {
    const a = list[i] as Approval;
    return a.state === 'pending' ? [line, whole(a, '    ')] : [line];
  })].join('\n'));
  return 0;
}

/** The audit trail: every request and what became of it, oldest first, also for sessions since removed. */
async function audit(session: { session?: string }, json: boolean, ctx: CommandContext): Promise<number> {
  const { audit: entries = [] } = await ctx.client().call('approvals', { ...session, all: true, audit: true });
  if (json) {
    ctx.json(entries, true);
    return 0;
  }
  if (entries.length === 0) {
    ctx.out('the audit trail is empty');
    return 0;
  }
  const rows = [['AT', 'SESSION', 'APPROVAL', 'TOOL', 'ACTION', 'BY', 'DETAIL']];
  // A refused remote start has no session: '-'.
  for (const e of entries) rows.push([e.at, e.session || '-', e.approval.slice(0, 8), e.tool, e.action, e.actor, e.detail ?? '']);
  ctx.out(table(rows));
  return 0;
}

function report(a: Approval, values: { json?: boolean | string }, ctx: CommandContext): number {
  if (values.json) ctx.json(a);
  else if (a.answers) ctx.out(`answered ${a.id.slice(0, 8)}: ${answersText(a.answers)}`);
  else ctx.out(`${a.state} ${a.id.slice(0, 8)}: ${whole(a, '')}`);
  return 0;
}

export async function approve(argv: string[], ctx: CommandContext): Promise<number> {
  const options = { json: { type: 'boolean' }, always: { type: 'boolean' }, mode: { type: 'string' } } as const;
  const { values, positionals } = parse('approve', argv, options, { min: 1, max: 2 });
  const [session, request] = positionals as [string, string | undefined];
  const mode = oneOf('approve', 'mode', values.mode, MODES);
  if (mode && values.always) throw usageError('approve', '--always and --mode exclude each other (--mode is for a plan, --always for a tool call)');
  const { approval } = await ctx.client().call('approve', { session, ...(request ? { request } : {}), always: Boolean(values.always), ...(mode ? { mode } : {}) });
  return report(approval, values, ctx);
}

/** `rcd answer SESSION [REQUEST] ANSWER...`: which word is REQUEST is the daemon's to tell (it knows the ids). */
export async function answer(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('answer', argv, { json: { type: 'boolean' } }, { min: 2, max: 258, afterDashDash: true });
  const [session, ...args] = positionals as [string, ...string[]];
  const { approval } = await ctx.client().call('answer', { session, args });
  return report(approval, values, ctx);
}

export async function deny(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('deny', argv, { json: { type: 'boolean' }, message: { type: 'string', short: 'm' } }, { min: 1, max: 2 });
  const [session, request] = positionals as [string, string | undefined];
  const message = values.message as string | undefined;
  if (message !== undefined && !message.trim()) throw usageError('deny', '--message needs some text (leave it out for the default one)');
  const { approval } = await ctx.client().call('deny', { session, ...(request ? { request } : {}), ...(message ? { message } : {}) });
  return report(approval, values, ctx);
}
