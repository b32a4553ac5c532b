// `rcd answer SESSION [REQUEST] ANSWER...`: answers a question the agent asked (Claude Code's AskUserQuestion).
import type { Handler } from '../context.js';
import { agentOf } from './decide.js';

export const answer: Handler<'answer'> = async (req, ctx) => {
  const { s, control } = agentOf(ctx, req.session);
  const decided = await control.answer(s, req.args, 'local');
  return { approval: control.view(decided, s.name) };
};
