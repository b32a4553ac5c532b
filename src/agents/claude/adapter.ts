// The claude agent: Claude Code driven through its headless stream-json protocol (see ./protocol.ts, ./launch.ts).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { RcdError } from '../../common/errors.js';
import type { AgentAdapter } from '../adapter.js';
import { claudeArgs, claudeProgram, hasTranscript, ownedFlagIn } from './launch.js';
import { userMessage } from './protocol.js';

export const claudeAdapter: AgentAdapter = {
  kind: 'claude',
  // A crash of Claude Code is resumed (--resume keeps the conversation); a clean exit is the user's doing.
  defaultRestart: 'on-failure',
  validate(command) {
    const owned = ownedFlagIn(command);
    if (owned) throw new RcdError('USAGE', `${owned} is one of the Claude Code flags rcd sets itself; remove it from the arguments after --`);
  },
  newAgentSessionId: () => randomUUID(),
  launch(input, find) {
    const { program, from } = claudeProgram(input.env);
    const bin = find(program, input.cwd, input.env.PATH);
    if (!bin && program.includes('/') && existsSync(program)) {
      return { error: `RCD_CLAUDE_BIN=${program} is not an executable file; point it at the claude executable` };
    }
    if (!bin) return { error: `Claude Code not found: looked for ${from}; install it (npm install -g @anthropic-ai/claude-code) or set RCD_CLAUDE_BIN` };
    const agentSessionId = input.agentSessionId ?? randomUUID();
    const resumed = hasTranscript(input.env, input.cwd, agentSessionId);
    return { argv: [bin, ...claudeArgs(agentSessionId, resumed, input.command, input.permissionMode)], resumed };
  },
  encodeInput: userMessage,
  // The renderer (and Node's StringDecoder it needs) loads only for `rcd logs`, not with every command.
  renderer: async (name) => new (await import('./render.js')).ClaudeRenderer(name),
};
