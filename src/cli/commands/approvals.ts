// rcd approvals [SESSION] [--all] [--json], rcd approve SESSION [REQUEST], rcd deny SESSION [REQUEST] [--message M]:
// the tool calls agents wait on, and answering them. No REQUEST: the oldest pending one of the session.
import { toolSummary } from '../../agents/claude/render.js';
import type { Approval } from '../../protocol/api.js';
import { parse, usageError } from '../args.js';
import { table } from '../format.js';
import type { CommandContext } from '../main.js';

// A table row's worth of a tool call's input.
const brief = (a: Approval) => toolSummary(a.tool, a.input, 80);

export async function approvals(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('approvals', argv, { json: { type: 'boolean' }, all: { type: 'boolean' }, audit: { type: 'boolean' } }, { min: 0, max: 1 });
  const session = positionals[0] ? { session: positionals[0] } : {};
  if (values.audit && values.all) throw usageError('approvals', '--all and --audit exclude each other (the audit trail already has every decision)');
  if (values.audit) return audit(session, Boolean(values.json), ctx);
  const { approvals: list } = await ctx.client().call('approvals', { ...session, all: Boolean(values.all), audit: false });
  if (values.json) {
    ctx.out(JSON.stringify(list, null, 2));
    return 0;
  }
  if (list.length === 0) {
    ctx.out(values.all ? 'no approvals yet' : 'nothing is waiting for approval');
    return 0;
  }
  const rows = [['ID', 'SESSION', 'TOOL', 'STATE', 'ASKED', 'INPUT']];
  for (const a of list) {
    const state = a.state === 'pending' ? 'pending' : `${a.state}${a.decidedBy ? ` (${a.decidedBy})` : ''}`;
    rows.push([a.id.slice(0, 8), a.sessionName, a.tool, state, a.createdAt.slice(11, 19), brief(a)]);
  }
  ctx.out(table(rows));
  return 0;
}

/** The audit trail: every request and what became of it, oldest first, also for sessions since removed. */
async function audit(session: { session?: string }, json: boolean, ctx: CommandContext): Promise<number> {
  const { audit: entries = [] } = await ctx.client().call('approvals', { ...session, all: true, audit: true });
  if (json) {
    ctx.out(JSON.stringify(entries, null, 2));
    return 0;
  }
  if (entries.length === 0) {
    ctx.out('the audit trail is empty');
    return 0;
  }
  const rows = [['AT', 'SESSION', 'APPROVAL', 'TOOL', 'ACTION', 'BY', 'DETAIL']];
  for (const e of entries) rows.push([e.at, e.session, e.approval.slice(0, 8), e.tool, e.action, e.actor, e.detail ?? '']);
  ctx.out(table(rows));
  return 0;
}

function report(a: Approval, values: { json?: boolean | string }, ctx: CommandContext): number {
  if (values.json) ctx.out(JSON.stringify(a));
  else ctx.out(`${a.state} ${a.tool}: ${brief(a)} (${a.id.slice(0, 8)})`);
  return 0;
}

export async function approve(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('approve', argv, { json: { type: 'boolean' } }, { min: 1, max: 2 });
  const [session, request] = positionals as [string, string | undefined];
  const { approval } = await ctx.client().call('approve', { session, ...(request ? { request } : {}) });
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
