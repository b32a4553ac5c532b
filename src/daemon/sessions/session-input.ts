// Input to running agents: `rcd send` and remote prompts. Text is encoded by the session's adapter (a line for a
// generic agent, a user message for Claude Code) and written into the stdin FIFO, queued behind other writes to it;
// a session on its way up (a spawn, a restart's backoff) gets the text once it runs rather than an error.
import type { EventEmitter } from 'node:events';
import { RcdError } from '../../common/errors.js';
import type { SessionStore } from '../../store/sessions.js';
import { adapterFor } from '../../agents/index.js';
import { FifoWriter } from '../process/fifo-writer.js';
import { untilState } from './state-wait.js';

// How long `send` waits for a starting or restarting session to run: above the longest restart backoff (60 s).
const SEND_WAIT_MS = 65_000;

export interface InputDeps {
  sessions: SessionStore;
  /** Emits 'state' with a session's id after every change (the supervisor). */
  changes: EventEmitter;
  /** The session has a live process and is `running`. */
  isRunning(id: string): boolean;
  stdinOf(id: string): string;
}

export class SessionInput {
  private readonly fifo = new FifoWriter();

  constructor(private readonly d: InputDeps) {}

  async send(id: string, text: string): Promise<number> {
    const coming = () => ['starting', 'restarting'].includes(this.d.sessions.get(id)?.state ?? '');
    if (coming()) await untilState(this.d.changes, id, () => !coming(), SEND_WAIT_MS);
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
