// How a claude session's process is started: which binary, which flags rcd owns, and whether this run starts the
// conversation (`--session-id`) or continues it (`--resume`). Pure functions of the session's record and the file
// system, so the supervisor can call them before every run: a restart finds a binary an auto-updater replaced.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Flags rcd sets itself: a user passing one would break the protocol or the session identity. */
export const OWNED_FLAGS = [
  '-p', '--print', '--input-format', '--output-format', '--verbose', '--session-id', '--resume', '-r', '--continue', '-c',
  '--permission-prompt-tool', '--fork-session',
] as const;

/** The owned flag among `args` (as `--flag` or `--flag=value`), or null. */
export function ownedFlagIn(args: readonly string[]): string | null {
  for (const arg of args) {
    const flag = arg.startsWith('--') ? arg.split('=', 1)[0] as string : arg;
    if ((OWNED_FLAGS as readonly string[]).includes(flag)) return flag;
  }
  return null;
}

/** The binary to look for, from the environment the session was started with. */
export function claudeProgram(env: Record<string, string>): { program: string; from: string } {
  const fromEnv = env.RCD_CLAUDE_BIN;
  return fromEnv ? { program: fromEnv, from: `RCD_CLAUDE_BIN=${fromEnv}` } : { program: 'claude', from: '`claude` on the PATH the session was started with' };
}

/**
 * Where Claude Code keeps a conversation's transcript: `<config dir>/projects/<cwd, every non-alphanumeric
 * character replaced by '-'>/<session id>.jsonl`, the config dir being $CLAUDE_CONFIG_DIR or ~/.claude.
 */
export function transcriptPath(env: Record<string, string>, cwd: string, agentSessionId: string): string {
  return join(configDir(env), 'projects', cwd.replace(/[^A-Za-z0-9]/g, '-'), `${agentSessionId}.jsonl`);
}

// Claude Code's own fallback when HOME is unset is the account's home directory, as here.
const configDir = (env: Record<string, string>) => env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), '.claude');

/**
 * A conversation that has a transcript must be continued with --resume (--session-id would be refused as "already
 * in use"); one that never got a message has none, and --resume would fail with "No conversation found".
 * The id is a UUID, so a transcript of that name in any project directory is this conversation's: looking there
 * too keeps working if Claude Code ever names a project directory differently (very long paths, say).
 */
export function hasTranscript(env: Record<string, string>, cwd: string, agentSessionId: string): boolean {
  if (existsSync(transcriptPath(env, cwd, agentSessionId))) return true;
  const projects = join(configDir(env), 'projects');
  try {
    return readdirSync(projects).some((dir) => existsSync(join(projects, dir, `${agentSessionId}.jsonl`)));
  } catch {
    return false;
  }
}

/**
 * ARGS without the flags that set the permission mode (`--permission-mode M`, `--permission-mode=M`,
 * `--dangerously-skip-permissions`): once the session's mode is known (its init line said it, or `rcd mode` switched
 * it), that mode is given instead, so a switch survives a restart, a crash and a reboot.
 */
export function withoutModeFlags(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--permission-mode') i++; // and its value
    else if (!arg.startsWith('--permission-mode=') && arg !== '--dangerously-skip-permissions') out.push(arg);
  }
  return out;
}

export function claudeArgs(agentSessionId: string, resume: boolean, passThrough: readonly string[], permissionMode: string | null = null): string[] {
  const rest = permissionMode ? [...withoutModeFlags(passThrough), '--permission-mode', permissionMode] : passThrough;
  return [
    '-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose',
    // Permission requests come to us as control_requests on stdout and are answered on stdin: no extra process (an
    // MCP server) to keep alive, and requests and answers travel through the same files that survive a daemon restart.
    '--permission-prompt-tool', 'stdio',
    // Prompts (from rcd send, a phone, the page) come back in the output, so logs show both sides of the conversation.
    // (Not owned: the user may pass it too, and it is given once.)
    ...(passThrough.includes('--replay-user-messages') ? [] : ['--replay-user-messages']),
    ...(resume ? ['--resume', agentSessionId] : ['--session-id', agentSessionId]),
    ...rest,
  ];
}
