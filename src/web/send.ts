// Sending a prompt or an approval answer. Each instruction gets one random idempotency key, reused by every retry,
// so a send whose answer was lost runs once however often it is retried. 5xx and network errors are retried with
// a growing pause; any other refusal is said as the relay words it and not retried.
import { call, errorText } from './relay-api.js';
import { show, type Session } from './page.js';
import { idempotencyKey, sleep } from './text.js';

const ATTEMPTS = 5;

export async function send(s: Session, path: string, payload: Record<string, unknown>, done: () => void): Promise<void> {
  const body = JSON.stringify({ ...payload, idempotencyKey: idempotencyKey() });
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const r = await call(s, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (r.res.ok) {
        done();
        return;
      }
      if (r.res.status < 500) {
        show(s, errorText(r));
        return;
      }
    } catch {
      // Retried below with the same key, so it runs once.
    }
    show(s, 'Sending failed; retrying.');
    await sleep(1000 * attempt);
  }
  show(s, 'Could not reach the relay; try again.');
}

/** The prompt box: the button is disabled while a prompt is on its way, and for good once following has ended. */
export function wirePromptBox(s: Session): void {
  const { form, input, submit } = s.page;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = input.value;
    if (!text.trim() || s.ended) return;
    submit.disabled = true;
    await send(s, '/prompt', { text }, () => {
      input.value = '';
      show(s, 'Sent.');
    });
    submit.disabled = s.ended;
  });
}
