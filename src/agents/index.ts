// The agent adapters by kind.
import type { AgentKind } from '../protocol/session.js';
import type { AgentAdapter } from './adapter.js';
import { claudeAdapter } from './claude/adapter.js';
import { genericAdapter } from './generic/adapter.js';

const ADAPTERS: Record<AgentKind, AgentAdapter> = { generic: genericAdapter, claude: claudeAdapter };

export function adapterFor(kind: AgentKind): AgentAdapter {
  return ADAPTERS[kind];
}
