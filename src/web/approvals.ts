// The session's state badge and the requests box. The box shows the oldest pending request in full (as the relay got
// it from the daemon, made visible by `clean`) with what answers its kind: Approve and Deny for a tool call, a button
// per option for a question (questions.ts), Accept / Accept with mode / Keep planning for a plan. Each answers that
// request by its id and stays disabled until one is shown, so a click never answers a request nobody saw.
import type { RemoteApproval, RemoteSession } from '../protocol/relay.js';
import { openSessionView } from '../e2e/session-view.js';
import { shownDigest, type InstructionBody } from '../e2e/instructions.js';
import { call } from './relay-api.js';
import type { Session } from './page.js';
import { show } from './page.js';
import { send } from './send.js';
import { newerKeys } from './keys.js';
import { renderQuestions } from './questions.js';
import { clean } from './text.js';

function setState(s: Session, state: string): void {
  s.page.state.textContent = state;
  s.page.state.className = `state ${state}`;
}

export function setPending(s: Session, n: number, list?: readonly RemoteApproval[]): void {
  const { page } = s;
  page.pending.textContent = String(n);
  page.approval.hidden = !(n > 0);
  const before = s.oldest?.id;
  s.oldest = list && list.length > 0 ? list[0] ?? null : null;
  page.oldest.textContent = s.oldest ? clean(s.oldest.summary) : '';
  page.approve.disabled = page.deny.disabled = page.always.disabled = !s.oldest;
  const kind = s.oldest?.kind ?? 'tool';
  page.approve.hidden = kind === 'question';
  // "Always" is Claude Code's own suggested rule for the rest of the session: a tool call's, not a question's or a plan's.
  page.always.hidden = kind !== 'tool';
  page.reasonLabel.hidden = kind === 'question';
  page.approve.textContent = kind === 'plan' ? 'Accept' : 'Approve';
  page.deny.textContent = kind === 'plan' ? 'Keep planning' : 'Deny';
  page.plan.hidden = kind !== 'plan';
  // Rebuilt only for another request: a view that changes for other reasons keeps what was picked.
  if (s.oldest?.id !== before) {
    const asked = s.oldest;
    if (kind === 'question' && asked) renderQuestions(page.questions, asked.questions ?? [], (args) => void answerWith(s, asked, args));
    else page.questions.replaceChildren();
  }
}

async function answerWith(s: Session, request: RemoteApproval, args: string[]): Promise<void> {
  const body = { kind: 'answer' as const, args: [request.id, ...args], seen: await shownDigest(request.summary) };
  await send(s, body, () => { show(s, 'Answered.'); void refresh(s); });
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
    if (s.opener && session.sealed && !s.opener.holdsKeyOf(session.sealed)) await newerKeys(s, session.sealed);
    view = s.opener ? await openSessionView(s.opener, s.url.sessionId, session.sealed) : null;
  } catch {
    show(s, 'The session\'s state did not authenticate (altered on the relay?); it is not shown.');
    return;
  }
  const shown = s.views.accept(view);
  if (!shown) return;
  s.claude = shown.agent === 'claude';
  s.page.interrupt.hidden = !s.claude; // only a claude session has turns to interrupt
  // Only a claude session has permission modes; the select shows the one it runs in.
  s.page.modeLabel.hidden = s.page.switchMode.hidden = !s.claude;
  if (shown.permissionMode && s.page.mode.value !== shown.permissionMode && document.activeElement !== s.page.mode) s.page.mode.value = shown.permissionMode;
  s.page.name.textContent = clean(shown.name);
  document.title = `${clean(shown.name)} — rcd`;
  s.page.agent.textContent = `${clean(shown.agent)} agent`;
  setState(s, shown.state);
  // Each control only while it can apply: a turn to interrupt and a process to stop need a live session.
  const live = ['starting', 'running', 'restarting'].includes(shown.state);
  s.page.interrupt.disabled = !live;
  s.page.stop.disabled = !live;
  s.page.switchMode.disabled = shown.state !== 'running';
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
  // Each answers the request shown, by its id, with the digest of its text as shown (the daemon refuses the answer
  // if that is not what waits: a view altered on the relay cannot get a harmless-looking request approved).
  const decide = async (body: InstructionBody, said: string) => {
    const asked = s.oldest;
    if (!asked) return;
    await send(s, { ...body, request: asked.id, seen: await shownDigest(asked.summary) }, () => { show(s, said); void refresh(s); });
  };
  s.page.approve.addEventListener('click', () => void decide({ kind: 'approve' }, s.oldest?.kind === 'plan' ? 'Accepted.' : 'Approved.'));
  s.page.always.addEventListener('click', () => void decide({ kind: 'approve', always: true }, 'Approved, and allowed for the rest of the session.'));
  s.page.deny.addEventListener('click', () => {
    const plan = s.oldest?.kind === 'plan';
    const reason = s.page.reason.value.trim();
    const message = reason || (plan ? 'Keep planning' : '');
    void decide({ kind: 'deny', ...(message ? { message } : {}) }, plan ? 'Sent back to planning.' : 'Denied.');
    s.page.reason.value = '';
  });
  s.page.switchMode.addEventListener('click', () => {
    const mode = s.page.mode.value;
    void send(s, { kind: 'mode', mode }, () => { show(s, `Switching to ${mode}.`); void refresh(s); });
  });
  s.page.acceptWithMode.addEventListener('click', () => {
    const mode = s.page.acceptMode.value;
    void decide({ kind: 'approve', mode }, `Accepted; mode ${mode}.`);
  });
  s.page.interrupt.addEventListener('click', () => void send(s, { kind: 'interrupt' }, () => show(s, 'Interrupted.')));
  s.page.stop.addEventListener('click', () => void send(s, { kind: 'stop' }, () => show(s, 'Stopping.')));
  s.page.restart.addEventListener('click', () => void send(s, { kind: 'restart' }, () => show(s, 'Restarting.')));
}
