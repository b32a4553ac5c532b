// What the supervisor is built from (src/daemon/main.ts wires it): the database and its stores, the output tailer,
// where session files live, the live config and the logger.
import type { Logger } from 'pino';
import type { Config } from '../../protocol/config.js';
import type { Db } from '../../store/db.js';
import type { EventStore } from '../../store/events.js';
import type { SessionStore } from '../../store/sessions.js';
import type { Tailer } from '../output/tailer.js';

export interface SupervisorDeps {
  db: Db;
  sessions: SessionStore;
  events: EventStore;
  tailer: Tailer;
  sessionsDir: string;
  config: () => Config;
  log: Logger;
}
