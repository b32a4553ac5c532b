// The session page's elements (rendered by src/relay/pages/session-page.ts) and what the script keeps about the
// session while it follows it. Looked up once and typed, so a page and script out of step fail at load, visibly.
import { ViewGuard } from '../e2e/session-view.js';
import type { RemoteApproval } from '../protocol/relay.js';
import type { EventOpener } from '../e2e/records.js';
import { apiBase, type Scope, type SessionUrl } from '../e2e/url.js';

function byId<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`the session page has no #${id}`);
  return el;
}

export interface Page {
  main: HTMLElement;
  sessions: HTMLUListElement;
  name: HTMLElement;
  agent: HTMLElement;
  scope: HTMLElement;
  decide: HTMLElement;
  out: HTMLElement;
  earlier: HTMLButtonElement;
  newOutput: HTMLButtonElement;
  note: HTMLElement;
  state: HTMLElement;
  form: HTMLFormElement;
  input: HTMLTextAreaElement;
  submit: HTMLButtonElement;
  approval: HTMLElement;
  pending: HTMLElement;
  oldest: HTMLPreElement;
  approve: HTMLButtonElement;
  deny: HTMLButtonElement;
  always: HTMLButtonElement;
  reason: HTMLInputElement;
  reasonLabel: HTMLElement;
  mode: HTMLSelectElement;
  modeLabel: HTMLElement;
  switchMode: HTMLButtonElement;
  questions: HTMLElement;
  plan: HTMLElement;
  acceptMode: HTMLSelectElement;
  acceptWithMode: HTMLButtonElement;
  controls: HTMLElement;
  interrupt: HTMLButtonElement;
  stop: HTMLButtonElement;
  restart: HTMLButtonElement;
}

export const findPage = (): Page => ({
  main: byId('session', HTMLElement),
  sessions: byId('sessions', HTMLUListElement),
  name: byId('name', HTMLElement),
  agent: byId('agent', HTMLElement),
  scope: byId('scope', HTMLElement),
  decide: byId('decide', HTMLElement),
  out: byId('out', HTMLElement),
  earlier: byId('earlier', HTMLButtonElement),
  newOutput: byId('new-output', HTMLButtonElement),
  note: byId('note', HTMLElement),
  state: byId('state', HTMLElement),
  form: byId('send', HTMLFormElement),
  input: byId('text', HTMLTextAreaElement),
  submit: byId('submit', HTMLButtonElement),
  approval: byId('approval', HTMLElement),
  pending: byId('pending', HTMLElement),
  oldest: byId('oldest', HTMLPreElement),
  approve: byId('approve', HTMLButtonElement),
  deny: byId('deny', HTMLButtonElement),
  always: byId('always', HTMLButtonElement),
  reason: byId('reason', HTMLInputElement),
  reasonLabel: byId('reason-label', HTMLElement),
  mode: byId('mode', HTMLSelectElement),
  modeLabel: byId('mode-label', HTMLElement),
  switchMode: byId('switch-mode', HTMLButtonElement),
  questions: byId('questions', HTMLElement),
  plan: byId('plan', HTMLElement),
  acceptMode: byId('accept-mode', HTMLSelectElement),
  acceptWithMode: byId('accept-with-mode', HTMLButtonElement),
  controls: byId('controls', HTMLElement),
  interrupt: byId('interrupt', HTMLButtonElement),
  stop: byId('stop', HTMLButtonElement),
  restart: byId('restart', HTMLButtonElement),
});

/** What the script knows of the session; one object, shared by following, sending and the approvals box. */
export interface Session {
  page: Page;
  /** `<relay>/api/s/<credential>`: the credential derives from the key in the page's address (after #). */
  api: string;
  /** What this URL may do: a view URL reads only (the page then offers no prompt box and no buttons). */
  scope: Scope;
  /** The page's address, parsed: its key opens the envelope the relay hands out. */
  url: SessionUrl;
  /** Opens the session's sealed events; set once the envelope is loaded. */
  opener: EventOpener | null;
  /** A claude session: its stream-json output is rendered for reading (claude-view.ts), not as a terminal. */
  claude: boolean;
  /** The last event seq applied. */
  after: number;
  /** The fingerprint of the session view last applied: the relay answers a poll at once when it changes. */
  viewSeen: string;
  /** The newest view shown: an older one the relay serves again is not shown. */
  views: ViewGuard;
  /** The pending approval the buttons answer: the oldest, as the relay last reported. */
  oldest: RemoteApproval | null;
  /** Following stopped (the session ended, or the URL no longer works): nothing more is sent. */
  ended: boolean;
}

/** The session this page's address opens; throws (BadSessionUrl) with words for the person when it opens none. */
export async function openSession(page: Page, url: SessionUrl): Promise<Session> {
  return {
    page,
    api: await apiBase(url),
    scope: url.scope,
    url,
    opener: null,
    claude: false,
    after: 0,
    viewSeen: '',
    views: new ViewGuard(),
    oldest: null,
    ended: false,
  };
}

/** The status line under the output (role=status: screen readers announce it). */
export const show = (s: Session, text: string): void => {
  s.page.note.textContent = text;
};

/** Following is over: say why, and take away what can no longer work. */
export function closed(s: Session, message: string): void {
  s.ended = true;
  show(s, message);
  s.page.submit.disabled = true;
  s.page.approval.hidden = true;
}
