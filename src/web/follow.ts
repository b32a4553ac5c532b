// Following new output: the end of the session first (history.ts), then one long-poll after another on
// GET /api/s/<token>/events, each naming the last seq and view applied so the relay answers as soon as either is
// behind. Connection trouble and 5xx are retried with a backoff (1 s doubling to 30 s); a busy relay (503, or 429)
// is asked again when its retry-after says, with a little jitter; any other refusal (a rotated, revoked or expired
// URL) ends following and says why.
import type { z } from 'zod';
import type { RemoteEventsResponse } from '../protocol/relay.js';
import { applyView } from './approvals.js';
import { History, openEvents, refusedNote } from './history.js';
import { closed, show, type Session } from './page.js';
import { call, errorText, type Answer } from './relay-api.js';
import { sleep } from './text.js';
import { Transcript } from './transcript.js';
import { EventOpener } from '../e2e/records.js';

type EventsAnswer = z.infer<typeof RemoteEventsResponse>;
const HOLD_MS = 25_000;
const MAX_DELAY_MS = 30_000;
// States in which more output may come: a poll that says there is no more while the session is in one of them
// means the relay stopped answering for this follower, not that the session ended.
const LIVE = ['starting', 'running', 'restarting', 'stopping'];

const isEvents = (a: Answer): boolean =>
  a.body !== null && typeof a.body === 'object' && Array.isArray((a.body as { events?: unknown }).events);

/** A state event's news for the person following: an instruction of theirs that the daemon could not carry out. */
function instructionError(data: string): string | null {
  try {
    const d = JSON.parse(data) as { instruction?: { kind?: string; error?: string } } | null;
    if (d?.instruction?.error) return `Your ${String(d.instruction.kind)} was not carried out: ${d.instruction.error}.`;
  } catch {
    // Not JSON: nothing to say.
  }
  return null;
}

/** Shows the end of the session, then follows it until it ends or the URL stops working. `lastSeq`: the status answer's. */
export async function follow(s: Session, lastSeq: number): Promise<void> {
  let history: History | null = null;
  const view = new Transcript(s.page.out, s.claude, s.page.newOutput, () => history?.stop());
  history = new History(s, view, s.page.earlier);
  const decoder = new TextDecoder();
  const first = await history.loadEnd(lastSeq);
  if (first) view.append(decoder.decode(first, { stream: true }));
  let delay = 1000;
  const retry = async (message: string) => {
    show(s, message);
    await sleep(delay);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  };
  while (!s.ended) {
    let r: Answer;
    try {
      r = await call(s, `/events?after=${s.after}&wait=${HOLD_MS}${s.viewSeen ? `&view=${s.viewSeen}` : ''}`);
    } catch {
      await retry('Connection lost; retrying.');
      continue;
    }
    if (r.res.ok && !isEvents(r)) {
      // A 200 that is not the relay's answer (a captive portal, a proxy's page): not fatal, keep trying.
      await retry('The relay\'s answer was not understood; retrying.');
      continue;
    }
    if (!r.res.ok) {
      const retryAfterS = Number(r.res.headers.get('retry-after'));
      if ((r.res.status === 503 || r.res.status === 429) && Number.isFinite(retryAfterS) && retryAfterS > 0) {
        // Over the relay's cap of held polls: not the connection's fault, so no doubling; the jitter keeps the
        // followers it refused at once from all coming back at once.
        show(s, `${errorText(r)}; retrying.`);
        await sleep(Math.min(retryAfterS, 300) * 1000 + Math.floor(Math.random() * 1000));
        continue;
      }
      if (r.res.status >= 500) {
        await retry(`${errorText(r)}; retrying.`);
        continue;
      }
      closed(s, errorText(r));
      return;
    }
    delay = 1000;
    if (s.page.note.textContent?.includes('retrying')) show(s, '');
    const body = r.body as EventsAnswer;
    if (body.gap && body.events.length > 0) view.noteAtEnd('[earlier output was pruned by the relay]');
    let text = '';
    for (const e of await openEvents(s, body.events)) {
      s.after = e.seq;
      if (e.kind === 'output') {
        text += decoder.decode(e.data, { stream: true });
      } else if (e.kind === 'refused') {
        // Altered, forged or moved on the relay: refused, never shown.
        view.append(text);
        text = '';
        view.noteAtEnd(refusedNote(e.seq));
      } else {
        const news = instructionError(EventOpener.text(e.data));
        if (news) show(s, news);
      }
    }
    view.append(text);
    await applyView(s, body.session, body.view);
    if (!body.more) {
      const state = s.page.state.textContent ?? '';
      closed(s, LIVE.includes(state) ? 'Stopped following.' : `The session has ended (${state}).`);
      return;
    }
  }
}
