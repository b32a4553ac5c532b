// What the supervisor needs to know about an agent kind: how to check a start request, how to launch a run, how
// `rcd send` text reaches the agent, and whether its output is line-structured (then the daemon reads it line by
// line). Adapters are pure: the daemon owns processes, files and the database.
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
  /** Output is one JSON document per line: the daemon stores it in whole lines and watches them. */
  lineStructured: boolean;
  /** Throws a usage error for a start request this agent cannot run. */
  validate(command: readonly string[]): void;
  /** A conversation id to pre-assign at creation (claude), or null. */
  newAgentSessionId(): string | null;
  launch(input: LaunchInput, find: FindExecutable): LaunchPlan;
  /** `rcd send` text as bytes for the agent's stdin. */
  encodeInput(text: string): Buffer;
}
