// What the daemon tells webhooks (notify.ts), from what it sees: a session's new request (approval, question,
// plan) and end of turn (its agent control's 'news', src/agents/control.ts), and a session ending (exited or failed, from the supervisor's state
// changes). The request's text and the turn's result go out only to webhooks that ask for content.
import type { NotifyEvent } from '../../protocol/config.js';
import type { SessionRecord } from '../../store/sessions.js';
import type { AgentControls } from '../../agents/controls.js';
import type { AgentNews } from '../../agents/control.js';
import type { Notifier } from './notify.js';
import type { Supervisor } from '../sessions/supervisor.js';

export function wireNotices(notifier: Notifier, supervisor: Supervisor, controls: AgentControls, get: (id: string) => SessionRecord | undefined): void {
  const base = (s: SessionRecord, event: NotifyEvent) => ({ event, session: s.id, sessionName: s.name, at: new Date().toISOString() });
  controls.on('news', (id: string, n: AgentNews) => {
    const s = get(id);
    if (!s) return;
    if (n.type === 'request') {
      const event: NotifyEvent = n.kind === 'question' ? 'question' : n.kind === 'plan' ? 'plan' : 'approval';
      notifier.notify({ ...base(s, event), request: { id: n.id, tool: n.tool, kind: n.kind } }, { text: n.text });
    } else {
      notifier.notify({ ...base(s, 'turn'), turn: { ok: n.ok, subtype: n.subtype, durationMs: n.durationMs, costUsd: n.costUsd } }, { result: n.result });
    }
  });
  // A session's end, once: the state it was last seen in is remembered, so a repeated state event says nothing new.
  const last = new Map<string, string>(supervisor.list().map((s) => [s.id, s.state]));
  supervisor.on('state', (id: string) => {
    const s = get(id);
    if (!s) return;
    const before = last.get(id);
    last.set(id, s.state);
    if ((s.state === 'exited' || s.state === 'failed') && before !== s.state) {
      notifier.notify({ ...base(s, s.state), exitCode: s.exitCode, signal: s.signal, reason: s.reason });
    }
  });
  supervisor.on('removed', (id: string) => last.delete(id));
}
