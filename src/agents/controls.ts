// Every agent kind's AgentControl (control.ts), made once for the daemon, and the one to use for a session. The
// daemon listens here for 'changed' and 'news' of any kind. Kept apart from index.ts, which the CLI bundles: the
// CLI needs the adapters, never the controls.
import { EventEmitter } from 'node:events';
import type { AgentKind } from '../protocol/session.js';
import type { AgentControl, ControlDeps } from './control.js';
import { ClaudeControl } from './claude/control/control.js';
import { GenericControl } from './generic/control.js';

const CONTROLS: Record<AgentKind, (d: ControlDeps) => AgentControl> = {
  generic: () => new GenericControl(),
  claude: (d) => new ClaudeControl(d),
};

export class AgentControls extends EventEmitter {
  private readonly byKind: Record<AgentKind, AgentControl>;

  constructor(deps: ControlDeps) {
    super();
    const entries = (Object.keys(CONTROLS) as AgentKind[]).map((kind) => {
      const control = CONTROLS[kind](deps);
      control.on('changed', (id: string) => this.emit('changed', id));
      control.on('news', (id: string, news: unknown) => this.emit('news', id, news));
      return [kind, control] as const;
    });
    this.byKind = Object.fromEntries(entries) as Record<AgentKind, AgentControl>;
  }

  of(kind: AgentKind): AgentControl {
    return this.byKind[kind];
  }

  private all(): AgentControl[] {
    return Object.values(this.byKind);
  }

  start(): void {
    for (const c of this.all()) c.start();
  }

  configChanged(): void {
    for (const c of this.all()) c.configChanged();
  }

  close(): void {
    for (const c of this.all()) c.close();
  }
}
