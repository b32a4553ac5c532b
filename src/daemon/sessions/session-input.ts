// Input to running agents: `rcd send` and remote prompts (through Supervisor.send), an agent control's answers.
// Text is encoded by the session's adapter (a line for a generic agent, a user message for Claude Code) and written
// into the stdin FIFO, queued behind other writes to it.
import { RcdError } from '../../common/errors.js';
import type { SessionStore } from '../../store/sessions.js';
import { adapterFor } from '../../agents/index.js';
import { FifoWriter } from '../process/fifo-writer.js';

export interface InputDeps {
  sessions: SessionStore;
  /** The session has a live process and is `running`. */
  isRunning(id: string): boolean;
  stdinOf(id: string): string;
}

export class SessionInput {
  private readonly fifo = new FifoWriter();

  constructor(private readonly d: InputDeps) {}

  send(id: string, text: string): Promise<number> {
    const s = this.d.sessions.get(id);
    if (!s || !this.d.isRunning(id)) {
      throw new RcdError('NOT_RUNNING', `session ${s?.name ?? id} is ${s?.state ?? 'gone'}, so nothing is reading its input`);
    }
    return this.write(id, adapterFor(s.agent).encodeInput(text));
  }

  /** Raw bytes to a running agent's stdin, queued behind other writes to it. */
  write(id: string, data: Buffer): Promise<number> {
    return this.fifo.write(id, this.d.stdinOf(id), data);
  }

  close(): void {
    this.fifo.close();
  }
}
