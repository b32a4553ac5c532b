// The generic agent: any command; `rcd send` text goes to its stdin as lines, its output is kept byte for byte.
import { RcdError } from '../../common/errors.js';
import type { AgentAdapter } from '../adapter.js';

export const genericAdapter: AgentAdapter = {
  kind: 'generic',
  defaultRestart: 'no',
  validate(command) {
    if (command.length === 0 || !command[0]) throw new RcdError('USAGE', 'a generic session needs a command: rcd start -- CMD [ARGS...]');
  },
  newAgentSessionId: () => null,
  launch(input, find) {
    const program = input.command[0] as string;
    if (!find(program, input.cwd, input.env.PATH)) return { error: `command not found: ${program} (searched the PATH the session was started with)` };
    return { argv: input.command, resumed: false };
  },
  // Several lines are delivered as those lines; exactly one newline ends the text.
  encodeInput: (text) => Buffer.from(text.endsWith('\n') ? text : `${text}\n`),
};
