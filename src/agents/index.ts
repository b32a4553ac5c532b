// The agent adapters by kind.
import { AGENT_KINDS, type AgentKind } from '../protocol/session.js';
import type { AgentAdapter } from './adapter.js';
import { claudeAdapter } from './claude/adapter.js';
import { genericAdapter } from './generic/adapter.js';

export type { AgentAdapter, OutputRenderer } from './adapter.js';

const ADAPTERS: Record<AgentKind, AgentAdapter> = { generic: genericAdapter, claude: claudeAdapter };

export function adapterFor(kind: AgentKind): AgentAdapter {
  return ADAPTERS[kind];
}

/** The adapter of a kind named by something untrusted (a relay's view, a response header); null for an unknown one. */
export function adapterNamed(kind: unknown): AgentAdapter | null {
  return (AGENT_KINDS as readonly unknown[]).includes(kind) ? ADAPTERS[kind as AgentKind] : null;
}
