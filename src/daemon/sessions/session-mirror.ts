// A copy of each session's record in its own directory (sessions/<id>/session.json, 0600), rewritten on every
// state change. The database is the truth; this copy is what a corrupt database is rebuilt from, so sessions and
// their agents survive even that.
import { readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AgentKind, RestartPolicy, SessionState } from '../../protocol/session.js';
import type { EventStore } from '../../store/events.js';
import type { SessionRecord, SessionStore } from '../../store/sessions.js';
import { STREAM } from '../output/tailer.js';

const FILE = 'session.json';

const SessionFile = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  name: z.string().min(1),
  cwd: z.string().min(1),
  agent: AgentKind,
  command: z.array(z.string()).min(1),
  env: z.record(z.string()),
  restartPolicy: RestartPolicy,
  state: SessionState,
  pid: z.number().int().nullable(),
  pidStart: z.string().nullable(),
  wrapperPid: z.number().int().nullable(),
  run: z.number().int(),
  restarts: z.number().int(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  reason: z.string().nullable(),
  agentSessionId: z.string().nullable(),
  // Absent in files written before issue 16.
  permissionMode: z.string().nullable().default(null),
  // Absent in files written before issue 13.
  worktree: z.object({ path: z.string(), branch: z.string(), repo: z.string() }).nullable().default(null),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
});

export function writeSessionFile(dir: string, record: SessionRecord): void {
  const tmp = join(dir, `${FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
  renameSync(tmp, join(dir, FILE));
}

/**
 * Fills an empty database from the session files. Output is taken again from each output file, at most the
 * retention budget's worth from its end (older parts may have been released). Returns how many were rebuilt.
 */
export function rebuildFromFiles(
  sessionsDir: string,
  store: SessionStore,
  events: EventStore,
  retentionBytes: number,
  onSkip: (dir: string, why: string) => void,
): number {
  let rebuilt = 0;
  for (const id of readdirSync(sessionsDir)) {
    const dir = join(sessionsDir, id);
    let record: SessionRecord;
    try {
      record = SessionFile.parse(JSON.parse(readFileSync(join(dir, FILE), 'utf8')));
    } catch (err) {
      onSkip(dir, (err as Error).message);
      continue;
    }
    try {
      store.insert(record);
      store.update(record.id, record);
      store.setWorktree(record.id, record.worktree);
      const output = join(dir, 'output');
      let size = 0;
      try {
        size = statSync(output).size;
      } catch {
        // no output yet
      }
      events.setOffset(record.id, STREAM, output, Math.max(0, size - retentionBytes));
      rebuilt += 1;
    } catch (err) {
      onSkip(dir, (err as Error).message);
    }
  }
  return rebuilt;
}
