// Running the service manager's own tools (systemctl, launchctl): output captured, never a shell, a deadline.
import { spawnSync } from 'node:child_process';
import { RcdError } from '../../common/errors.js';

// systemctl waits for a start job to finish; rcd's is Type=exec (done once node is exec'd), so this is slack
// for a slow bus, not for the daemon.
const TOOL_TIMEOUT_MS = 30_000;

export interface ToolResult {
  ok: boolean;
  /** The tool is not installed (not on PATH). */
  missing: boolean;
  stdout: string;
  stderr: string;
  /** One line saying why it failed: its first stderr line, or its exit status. */
  why: string;
  command: string;
}

export function tool(cmd: string, args: string[]): ToolResult {
  const command = [cmd, ...args].join(' ');
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: TOOL_TIMEOUT_MS });
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  const stdout = r.stdout ?? '';
  const stderr = r.stderr ?? '';
  const firstLine = stderr.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? stdout.split('\n')[0]?.trim();
  let why = firstLine || `exit status ${r.status ?? r.signal ?? '?'}`;
  if (code === 'ENOENT') why = `${cmd} was not found`;
  else if (code === 'ETIMEDOUT') why = `${cmd} did not finish within ${TOOL_TIMEOUT_MS / 1000} s`;
  else if (r.error) why = r.error.message;
  return { ok: !r.error && r.status === 0, missing: code === 'ENOENT', stdout, stderr, why, command };
}

/** Runs a step that must succeed; its failure is one line naming the command. */
export function mustRun(cmd: string, args: string[]): ToolResult {
  const r = tool(cmd, args);
  if (!r.ok) throw new RcdError('INTERNAL', `\`${r.command}\` failed: ${r.why}`);
  return r;
}
