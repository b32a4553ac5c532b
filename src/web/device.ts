// The page at a device URL (`/d/<daemon id>#<key>`): every session of the daemon — name, state, agent, how long ago
// it last changed — those waiting for a person first and marked, each a link to its own page under the device URL
// (which carries the same key in its fragment). It stays current without a reload: the list is asked for again every
// few seconds while the page is shown, and not at all while it is hidden (Page Visibility). Names, states and
// requests are sealed: they are opened here with each session's envelope for the device URL, and only ever become
// text. With a control URL, the page also starts sessions (start-form.ts) and turns notifications on (notify.ts).
import { EventOpener } from '../e2e/records.js';
import { openSessionView } from '../e2e/session-view.js';
import { apiBase, deviceSession, formatDeviceUrl, type DeviceUrl } from '../e2e/url.js';
import type { DeviceStatusResponse, SessionView } from '../protocol/relay.js';
import type { z } from 'zod';
import { findDevicePage, type DevicePage } from './device-page.js';
import { wireNotify } from './notify.js';
import { wireStartForm } from './start-form.js';
import { clean } from './text.js';

type DeviceAnswer = z.infer<typeof DeviceStatusResponse>;
type Listed = DeviceAnswer['sessions'][number];

// How often the list is asked for while the page is shown; after a failure, twice as long each time up to the cap.
const POLL_MS = 3_000;
const MAX_BACKOFF_MS = 30_000;

/** What a session's row shows, opened; `view` null when it cannot be read with this URL's key. */
interface Row {
  id: string;
  updatedAt: string;
  view: SessionView | null;
}

const WAITING_WORD: Record<string, string> = { tool: 'approval', question: 'question', plan: 'plan' };

/** "needs you: approval, question" — what the person is asked for, by kind; null when nothing waits. */
export function waitingMark(view: Pick<SessionView, 'pendingApprovals' | 'approvals'>): string | null {
  if (view.pendingApprovals <= 0) return null;
  const kinds = [...new Set(view.approvals.map((a) => WAITING_WORD[a.kind] ?? 'approval'))];
  const what = kinds.length > 0 ? kinds.join(', ') : 'approval';
  return `needs you: ${what}${view.pendingApprovals > 1 ? ` (${view.pendingApprovals})` : ''}`;
}

/** How long ago `iso` was, as a person says it; a time ahead of this clock is "just now". */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(s) || s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** Waiting sessions first, then the most recently changed; unreadable ones last. */
export function order<T extends { updatedAt: string; view: Pick<SessionView, 'pendingApprovals'> | null }>(rows: readonly T[]): T[] {
  const rank = (r: T) => (r.view === null ? 2 : r.view.pendingApprovals > 0 ? 0 : 1);
  return [...rows].sort((a, b) => rank(a) - rank(b) || Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
}

function span(className: string, text: string): HTMLSpanElement {
  const el = document.createElement('span');
  el.className = className;
  el.textContent = text;
  return el;
}

function renderRow(d: DeviceUrl, r: Row, now: number): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.id = r.id;
  const a = document.createElement('a');
  a.href = formatDeviceUrl(d.base, d.daemonId, d.scope, d.secret, r.id);
  const meta = document.createElement('div');
  meta.className = 'meta';
  if (r.view) {
    a.textContent = clean(r.view.name);
    const mark = waitingMark(r.view);
    if (mark) {
      li.className = 'waiting';
      meta.append(span('mark', mark));
    }
    const state = clean(r.view.state);
    meta.append(span(`state ${state}`, state), span('agent', clean(r.view.agent)));
  } else {
    // Not linked since the device URL was issued, or altered on the relay: listed by id, never shown.
    a.textContent = r.id.slice(0, 8);
    meta.append(span('state', 'unreadable'));
  }
  const time = document.createElement('time');
  time.className = 'muted';
  time.dateTime = r.updatedAt;
  time.textContent = ago(r.updatedAt, now);
  meta.append(time);
  li.append(a, meta);
  return li;
}

/** Opens what the relay lists, keeping the openers and views already opened (a poll mostly brings the same). */
class Opened {
  private openers = new Map<string, { envelope: string; opener: Promise<EventOpener> }>();
  private views = new Map<string, { sealed: string; view: Promise<SessionView | null> }>();

  constructor(private readonly d: DeviceUrl) {}

  async row({ session, envelope }: Listed): Promise<Row> {
    const base = { id: session.id, updatedAt: session.updatedAt };
    if (!envelope) return { ...base, view: null };
    let o = this.openers.get(session.id);
    if (o?.envelope !== envelope) {
      o = { envelope, opener: EventOpener.forUrl(deviceSession(this.d, session.id), envelope) };
      this.openers.set(session.id, o);
      this.views.delete(session.id);
    }
    let v = this.views.get(session.id);
    if (v?.sealed !== session.sealed) {
      const opener = o.opener;
      v = { sealed: session.sealed, view: opener.then((op) => openSessionView(op, session.id, session.sealed)) };
      this.views.set(session.id, v);
    }
    try {
      return { ...base, view: await v.view };
    } catch {
      return { ...base, view: null };
    }
  }
}

/** Resolves after `ms` of the page being shown: while it is hidden, time does not count and nothing is asked. */
function shownFor(ms: number, wake: { now: (() => void) | null }): Promise<void> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onChange);
      wake.now = null;
      resolve();
    };
    const onChange = () => {
      if (document.hidden) clearTimeout(timer);
      else done(); // back on screen: look at once
    };
    document.addEventListener('visibilitychange', onChange);
    wake.now = done;
    if (!document.hidden) timer = setTimeout(done, ms);
  });
}

export async function showDevice(d: DeviceUrl): Promise<void> {
  const page = findDevicePage();
  page.scope.textContent = d.scope === 'view' ? 'view only' : 'read, steer and start';
  const wake: { now: (() => void) | null } = { now: null };
  if (d.scope === 'control') {
    wireStartForm(page, d, () => wake.now?.());
    void wireNotify(page, d);
  }
  const url = await apiBase(d);
  const opened = new Opened(d);
  let seen = '';
  let rows: Row[] = [];
  let delay = POLL_MS;
  for (;;) {
    let body: DeviceAnswer;
    try {
      const res = await fetch(url, { cache: 'no-store' });
      body = (await res.json()) as DeviceAnswer;
      if (!res.ok) {
        const message = (body as unknown as { error?: { message?: string } }).error?.message ?? `the relay answered ${res.status}`;
        if (res.status === 404 || res.status === 410 || res.status === 403) return ended(page, message);
        throw new Error(message);
      }
      if (!Array.isArray(body.sessions)) throw new SyntaxError('not a device list');
      delay = POLL_MS;
    } catch (err) {
      page.checked.textContent = 'reconnecting…';
      page.note.textContent = clean(err instanceof SyntaxError ? 'The relay\'s answer was not understood; trying again.' : `Cannot reach the relay (${(err as Error).message}); trying again.`);
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      await shownFor(delay, wake);
      continue;
    }
    // The view fingerprint: the list is drawn again only when something in it changed (otherwise only the times).
    const print = `${body.daemonOnline}|${body.sessions.map((s) => `${s.session.id}:${s.session.updatedAt}:${s.session.sealed}:${s.envelope ?? ''}`).join('|')}`;
    if (print !== seen) {
      rows = order(await Promise.all(body.sessions.map((s) => opened.row(s))));
      seen = print;
      draw(page, d, rows, body.daemonOnline);
    } else {
      const now = Date.now();
      page.sessions.querySelectorAll('time').forEach((time) => { time.textContent = ago(time.dateTime, now); });
    }
    page.checked.textContent = 'live';
    await shownFor(delay, wake);
  }
}

function draw(page: DevicePage, d: DeviceUrl, rows: readonly Row[], online: boolean): void {
  page.state.textContent = online ? 'online' : 'offline';
  page.state.className = `state ${online ? 'running' : 'exited'}`;
  const waiting = rows.filter((r) => r.view && r.view.pendingApprovals > 0).length;
  document.title = `${waiting > 0 ? `(${waiting}) ` : ''}rcd device`;
  page.note.textContent = rows.length === 0 ? 'This daemon has no sessions.' : waiting > 0 ? `${waiting} session(s) wait for you.` : '';
  // Keyboard focus stays on the session it was on when the list is drawn again.
  const focused = document.activeElement?.closest('li')?.dataset.id;
  const now = Date.now();
  page.sessions.replaceChildren(...rows.map((r) => renderRow(d, r, now)));
  if (focused && /^[0-9a-f]{16}$/.test(focused)) page.sessions.querySelector<HTMLElement>(`li[data-id="${focused}"] a`)?.focus();
}

function ended(page: DevicePage, message: string): void {
  page.state.textContent = 'no access';
  page.state.className = 'state';
  page.checked.textContent = '';
  page.note.textContent = clean(message);
  page.sessions.replaceChildren();
  page.start.hidden = true;
  page.notify.hidden = true;
}
