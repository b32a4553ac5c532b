// The session's state badge and the approvals box. The box shows the oldest pending request in full (as the relay
// got it from the daemon, made visible by `clean`); Approve and Deny answer that request by its id, and stay
// disabled until one is shown, so a click never answers a request nobody saw.
import type { RemoteApproval, RemoteSession } from '../protocol/relay.js';
import { openSessionView } from '../e2e/session-view.js';
import { call } from './relay-api.js';
import type { Session } from './page.js';
import { show } from './page.js';
import { send } from './send.js';
import { clean } from './text.js';

function setState(s: Session, state: string): void {
  s.page.state.textContent = state;
  s.page.state.className = `state ${state}`;
}

export function setPending(s: Session, n: number, list?: readonly RemoteApproval[]): void {
  const { page } = s;
  page.pending.textContent = String(n);
  page.approval.hidden = !(n > 0);
  s.oldest = list && list.length > 0 ? list[0] ?? null : null;
  page.oldest.textContent = s.oldest ? clean(s.oldest.summary) : '';
  page.approve.disabled = page.deny.disabled = !s.oldest;
}

/**
 * A session view from the relay (sealed: state, pending approvals) and its fingerprint, opened and applied. One that
 * does not authenticate is not shown; one older than what is shown (served again by the relay) is not either.
 */
export async function applyView(s: Session, session: RemoteSession, tag: string): Promise<void> {
  // Named as seen either way: the relay compares it with its current view, and must not answer at once forever.
  s.viewSeen = tag;
  let view;
  try {
    view = s.opener ? await openSessionView(s.opener, session.id, session.sealed) : null;
  } catch {
    show(s, 'The session\'s state did not authenticate (altered on the relay?); it is not shown.');
    return;
  }
  const shown = s.views.accept(view);
  if (!shown) return;
  s.claude = shown.agent === 'claude';
  s.page.name.textContent = clean(shown.name);
  document.title = `${clean(shown.name)} — rcd`;
  s.page.agent.textContent = `${clean(shown.agent)} agent`;
  setState(s, shown.state);
  setPending(s, shown.pendingApprovals, shown.approvals);
}

/** The session view now (the pending approvals' details), outside the events poll. */
export async function refresh(s: Session): Promise<void> {
  try {
    const r = await call(s, '');
    const body = r.body as { session: RemoteSession; view: string };
    if (r.res.ok) await applyView(s, body.session, body.view);
  } catch {
    // The events poll reports connection trouble.
  }
}

export function wireApprovals(s: Session): void {
  s.page.approve.addEventListener('click', () => {
    if (s.oldest) void send(s, { kind: 'approve', request: s.oldest.id }, () => { show(s, 'Approved.'); void refresh(s); });
  });
  s.page.deny.addEventListener('click', () => {
    if (s.oldest) void send(s, { kind: 'deny', request: s.oldest.id }, () => { show(s, 'Denied.'); void refresh(s); });
  });
}
