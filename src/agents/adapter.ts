// What the CLI and the supervisor need to know about an agent kind: how to check a start request, how to launch a
// run, how `rcd send` text reaches the agent, and how `rcd logs` shows its output. Adapters are pure: the daemon
// owns processes, files and the database; what an agent kind does inside the daemon (its output lines, requests,
// modes) is its AgentControl (control.ts).
import type { AgentKind, RestartPolicy } from '../protocol/session.js';

export interface LaunchInput {
  id: string;
  cwd: string;
  env: Record<string, string>;
  /** generic: CMD ARGS; claude: the ARGS passed through to Claude Code. */
  command: string[];
  agentSessionId: string | null;
  /** claude: the mode the session last ran in (or was switched to), kept across runs; null when not known. */
  permissionMode: string | null;
}

export type LaunchPlan = { argv: string[]; resumed: boolean } | { error: string };

/** Finds a program the way a shell would (a path, or a name on PATH); null when there is none. */
export type FindExecutable = (program: string, cwd: string, pathEnv: string | undefined) => string | null;

export interface AgentAdapter {
  kind: AgentKind;
  defaultRestart: RestartPolicy;
  /** Throws a usage error for a start request this agent cannot run. */
  validate(command: readonly string[]): void;
  /** A conversation id to pre-assign at creation (claude), or null. */
  newAgentSessionId(): string | null;
  launch(input: LaunchInput, find: FindExecutable): LaunchPlan;
  /** `rcd send` text as bytes for the agent's stdin. */
  encodeInput(text: string): Buffer;
  /** How `rcd logs` and `rcd remote logs` show the output (without --json); none: byte for byte. Loaded on use. */
  renderer?: (sessionName: string) => Promise<OutputRenderer>;
}

/** Output bytes in, terminal text out; `end` flushes an unfinished last line. */
export interface OutputRenderer {
  push(chunk: Buffer): string;
  end(): string;
}
