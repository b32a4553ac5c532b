// What the supervisor is built from (src/daemon/main.ts wires it): the database and its stores, the output tailer,
// where session files live, the live config and the logger; the live runs, the agents' stdin and every agent kind's
// control (which the supervisor tells of runs starting, ending and stopping).
import type { Logger } from 'pino';
import type { Config } from '../../protocol/config.js';
import type { Db } from '../../store/db.js';
import type { EventStore } from '../../store/events.js';
import type { SessionStore } from '../../store/sessions.js';
import type { Tailer } from '../output/tailer.js';
import type { AgentControls } from '../../agents/controls.js';
import type { LiveRuns } from '../process/live-runs.js';
import type { SessionInput } from './session-input.js';

export interface SupervisorDeps {
  db: Db;
  sessions: SessionStore;
  events: EventStore;
  tailer: Tailer;
  sessionsDir: string;
  config: () => Config;
  log: Logger;
  runs: LiveRuns;
  input: SessionInput;
  controls: AgentControls;
}
