// What the claude integration tests share (claude.test.ts, claude-deaths.test.ts): a daemon running the fake Claude
// Code against a mock Messages API started once per file, and the CLI calls they make of it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import Database from 'better-sqlite3';
import { isAlive, waitFor, type Rcd } from './harness.js';
import { claudeRcd as sharedClaudeRcd } from './claude.js';
import { startMockMessagesApi, type MockMessagesApi } from './mock-messages-api.js';

export interface ApprovalDoc {
  id: string; session: string; tool: string; input: Record<string, unknown>; state: string; createdAt: string;
  decidedBy: string | null; message: string | null;
}

/** Starts the mock model before the file's tests and stops it after; a daemon factory that uses it, and the model. */
export function useClaudeFixture(prefix: string): { claudeRcd: () => Rcd; api: () => MockMessagesApi } {
  let api: MockMessagesApi;
  before(async () => {
    api = await startMockMessagesApi();
  });
  after(async () => {
    await api.close();
  });
  return { claudeRcd: () => sharedClaudeRcd(prefix, api.url), api: () => api };
}

export async function startClaude(rcd: Rcd, name: string, extra: string[] = []): Promise<string> {
  return (await rcd.ok(['start', '--agent', 'claude', '--cwd', rcd.workdir(name), '--name', name, ...extra])).trim();
}

export const logsMatch = (rcd: Rcd, ref: string, re: RegExp, timeoutMs = 10_000) =>
  waitFor(async () => re.exec(await rcd.logs(ref)), `logs of ${ref} to match ${re}`, timeoutMs);

export async function approvals(rcd: Rcd, ref?: string, all = false): Promise<ApprovalDoc[]> {
  return JSON.parse(await rcd.ok(['approvals', ...(ref ? [ref] : []), ...(all ? ['--all'] : []), '--json'])) as ApprovalDoc[];
}

export const pending = (rcd: Rcd, ref: string, n = 1) =>
  waitFor(async () => {
    const list = await approvals(rcd, ref);
    return list.length >= n ? list : null;
  }, `${n} pending approval(s) in ${ref}`);

export function dbRow<T>(rcd: Rcd, sql: string, ...args: unknown[]): T {
  const db = new Database(join(rcd.home, 'rcd.db'), { readonly: true });
  try {
    return db.prepare(sql).get(...args) as T;
  } finally {
    db.close();
  }
}

/** Makes `rcd`'s boot id changeable, to stage a reboot. */
export function rebootable(rcd: Rcd): (id: string, agentPid: number) => Promise<void> {
  const bootFile = join(rcd.home, 'boot_id');
  writeFileSync(bootFile, 'boot-one\n');
  rcd.env.RCD_BOOT_ID_PATH = bootFile;
  /** The machine goes down: the daemon (if any) and the session's processes die at once; the next boot has another id. */
  return async (id: string, agentPid: number) => {
    const daemon = rcd.daemonPid();
    if (daemon !== null && isAlive(daemon)) process.kill(daemon, 'SIGKILL');
    process.kill(-dbRow<{ w: number }>(rcd, 'SELECT wrapper_pid AS w FROM sessions WHERE id = ?', id).w, 'SIGKILL');
    await waitFor(() => !isAlive(agentPid), 'the agent to die');
    writeFileSync(bootFile, 'boot-two\n');
  };
}
