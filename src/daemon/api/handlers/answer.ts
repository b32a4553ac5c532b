// `rcd answer SESSION [REQUEST] ANSWER...`: answers a question Claude Code asked (AskUserQuestion).
import { approvalView } from '../../claude/claude-control.js';
import type { Handler } from '../context.js';
import { claudeSession } from './decide.js';

export const answer: Handler<'answer'> = async (req, ctx) => {
  const s = claudeSession(ctx, req.session, 'asks no questions');
  const decided = await ctx.control.answer(s, req.args, 'local');
  return { approval: approvalView(decided, s.name) };
};
