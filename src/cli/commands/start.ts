// rcd start: create a session in the daemon and print its id.
import { resolve } from 'node:path';
import { RcdError } from '../../common/errors.js';
import { AGENT_KINDS, RESTART_POLICIES } from '../../protocol/session.js';
import { nameProblem } from '../../protocol/session-name.js';
import { adapterFor } from '../../agents/index.js';
import { oneOf, parse, usageError } from '../args.js';
import type { CommandContext } from '../context.js';

export async function start(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals, rest } = parse('start', argv, {
    cwd: { type: 'string' }, name: { type: 'string' }, agent: { type: 'string' }, restart: { type: 'string' },
    worktree: { type: 'boolean' }, branch: { type: 'string' }, json: { type: 'boolean' },
  }, { min: 0, max: 0 });
  void positionals;
  const agent = oneOf('start', 'agent', values.agent, AGENT_KINDS) ?? 'generic';
  const restart = oneOf('start', 'restart', values.restart, RESTART_POLICIES);
  const name = values.name as string | undefined;
  const nameIssue = name === undefined ? null : nameProblem(name);
  if (nameIssue) throw usageError('start', `--name: ${nameIssue}`);
  if (values.branch !== undefined && !values.worktree) throw usageError('start', '--branch goes with --worktree');
  try {
    adapterFor(agent).validate(rest); // the daemon checks again; here it is a usage error (exit 2) before any work
  } catch (err) {
    throw usageError('start', (err as Error).message);
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  // A relative RCD_CLAUDE_BIN means relative to where you are, not to the session's directory.
  if (env.RCD_CLAUDE_BIN?.includes('/')) env.RCD_CLAUDE_BIN = resolve(env.RCD_CLAUDE_BIN);
  const { session } = await ctx.client().call('start', {
    cwd: resolve((values.cwd as string | undefined) ?? process.cwd()),
    ...(name ? { name } : {}),
    agent,
    ...(restart ? { restart } : {}),
    command: rest,
    env,
    worktree: Boolean(values.worktree),
    ...(values.branch !== undefined ? { branch: values.branch as string } : {}),
  });
  if (values.json) ctx.json(session);
  else ctx.out(session.id);
  if (session.state === 'failed') {
    throw new RcdError('SPAWN_FAILED', `session ${session.name} (${session.id}) failed to start: ${session.reason ?? 'unknown reason'}`);
  }
  return 0;
}
