// What a line-structured agent (claude) needs from the supervisor's lifecycle; ClaudeControl provides it
// (src/daemon/claude/claude-control.ts, wired in main.ts).
import type { LineHandler } from '../output/tailer.js';

export interface AgentHooks {
  /** Runs in the transaction that stores a run's output lines (see tailer.ts). */
  lineHandler(sessionId: string, run: number): LineHandler;
  /** The run is gone (ended, or vanished in a reboot): what it asked can no longer be answered. */
  runEnded(sessionId: string, why: string): void;
  adopted(sessionId: string): void;
  /** Before the signals of a stop: let the agent end its turn. */
  interrupt(sessionId: string): Promise<void>;
  pendingCount(sessionId: string): number;
}
