// The session page's script, bundled by `npm run build` (esbuild, one minified IIFE) into dist/src/web/session.js
// and inlined by the relay with the page's CSP nonce (src/relay/pages/session-script.ts). It reads the key in the
// page's address (after #, never sent to the relay), loads the session, follows new output, keeps the state and
// pending approvals current, and sends prompts and approval answers. No network but the relay's own origin, and agent
// output only ever becomes text nodes (README.md, Rules).
import { EventOpener } from '../e2e/records.js';
import { isSessionUrl, parseRemoteUrl } from '../e2e/url.js';
import { showDevice } from './device.js';
import { applyView, wireApprovals } from './approvals.js';
import { follow } from './follow.js';
import { closed, findPage, openSession, type Session } from './page.js';
import { call, errorText } from './relay-api.js';
import type { RemoteSession } from '../protocol/relay.js';
import { wirePromptBox } from './send.js';

/**
 * Loads the session's name, agent and view; returns the last seq the relay holds, or null (and says why) when the
 * URL opens nothing.
 */
async function load(s: Session): Promise<number | null> {
  let r;
  try {
    r = await call(s, '');
  } catch {
    closed(s, 'Cannot reach the relay; reload the page to try again.');
    return null;
  }
  if (!r.res.ok) {
    closed(s, errorText(r));
    return null;
  }
  const body = r.body as { session: RemoteSession; view: string; envelope: string | null; lastSeq?: number };
  if (!body.envelope) {
    closed(s, 'The relay has no key for this URL yet (the owner\'s daemon has not linked since it was issued); reload shortly.');
    return null;
  }
  try {
    s.opener = await EventOpener.forUrl(s.url, body.envelope);
  } catch {
    closed(s, 'This URL\'s key does not open the session (the relay handed out something else); nothing is shown.');
    return null;
  }
  await applyView(s, body.session, body.view);
  if (!s.views.accept(null)) {
    closed(s, 'The owner\'s daemon has not sent this session\'s state yet, or it did not authenticate; reload shortly.');
    return null;
  }
  return typeof body.lastSeq === 'number' ? body.lastSeq : 0;
}

async function start(): Promise<void> {
  // The web app's worker (sw.ts): it keeps this shell for starting offline and shows notifications. A browser
  // without one, or one that refuses it, loses only those.
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => undefined);
  if (/^\/d\/[0-9a-f]{16}$/.test(location.pathname)) {
    try {
      const url = parseRemoteUrl(location.href);
      if (!isSessionUrl(url)) return await showDevice(url);
    } catch (err) {
      document.getElementById('note')?.replaceChildren((err as Error).message);
      document.getElementById('state')?.replaceChildren('no access');
      return;
    }
  }
  const page = findPage();
  let s: Session;
  try {
    const url = parseRemoteUrl(location.href);
    if (!isSessionUrl(url)) throw new Error('This page is a session\'s; its address names none.');
    s = await openSession(page, url);
  } catch (err) {
    page.note.textContent = (err as Error).message;
    page.state.textContent = 'no access';
    return;
  }
  const view = s.scope === 'view';
  page.scope.textContent = view ? 'view only' : 'read and steer';
  // A view URL steers nothing (the relay refuses it too): no prompt box, no buttons to press in vain.
  page.form.hidden = view;
  page.decide.hidden = view;
  page.questions.hidden = view;
  page.controls.hidden = view;
  wirePromptBox(s);
  wireApprovals(s);
  const lastSeq = await load(s);
  if (lastSeq === null) return;
  page.submit.disabled = view;
  void follow(s, lastSeq);
}

void start();
