// The page at a device URL (`/d/<daemon id>#<key>`): the daemon's sessions, each a link (named by the session's
// name) to its own page under the device URL, which carries the same key in its fragment. Names and states are
// sealed: they are opened here with each session's envelope for the device URL, and only ever become text.
import { EventOpener } from '../e2e/records.js';
import { openSessionView } from '../e2e/session-view.js';
import { apiBase, deviceSession, formatDeviceUrl, type DeviceUrl } from '../e2e/url.js';
import type { DeviceStatusResponse } from '../protocol/relay.js';
import type { z } from 'zod';
import type { Page } from './page.js';
import { clean } from './text.js';

type DeviceAnswer = z.infer<typeof DeviceStatusResponse>;

function row(page: Page, d: DeviceUrl, id: string, name: string, state: string): HTMLLIElement {
  const li = document.createElement('li');
  const a = document.createElement('a');
  a.href = formatDeviceUrl(d.base, d.daemonId, d.scope, d.secret, id);
  a.textContent = name;
  const badge = document.createElement('span');
  badge.className = `state ${state}`;
  badge.textContent = state;
  li.append(a, ' ', badge);
  page.sessions.append(li);
  return li;
}

export async function showDevice(page: Page, d: DeviceUrl): Promise<void> {
  page.name.textContent = 'rcd device';
  page.agent.textContent = 'every session of one daemon';
  page.scope.textContent = d.scope === 'view' ? 'view only' : 'read and steer';
  for (const el of [page.out, page.form, page.approval, page.controls]) el.hidden = true;
  page.sessions.hidden = false;
  let body: DeviceAnswer;
  try {
    const res = await fetch(await apiBase(d), { cache: 'no-store' });
    body = (await res.json()) as DeviceAnswer;
    if (!res.ok) throw new Error((body as unknown as { error?: { message?: string } }).error?.message ?? `the relay answered ${res.status}`);
  } catch (err) {
    page.state.textContent = 'no access';
    page.note.textContent = clean(err instanceof SyntaxError ? 'The relay\'s answer was not understood.' : (err as Error).message);
    return;
  }
  page.state.textContent = body.daemonOnline ? 'online' : 'offline';
  page.state.className = `state ${body.daemonOnline ? 'running' : 'exited'}`;
  if (body.sessions.length === 0) page.note.textContent = 'This daemon has no sessions.';
  for (const { session, envelope } of body.sessions) {
    try {
      if (!envelope) throw new Error('no key yet');
      const opener = await EventOpener.forUrl(deviceSession(d, session.id), envelope);
      const view = await openSessionView(opener, session.id, session.sealed);
      if (!view) throw new Error('no state yet');
      row(page, d, session.id, clean(view.name), clean(view.state));
    } catch {
      // Not linked since the device URL was issued, or altered on the relay: listed by id, never shown.
      row(page, d, session.id, session.id.slice(0, 8), 'unreadable');
    }
  }
}
