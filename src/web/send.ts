// Sending a prompt or an approval answer, sealed and proved with the key in the page's address
// (src/e2e/instructions.ts): the relay carries it without being able to read or forge it. Its nonce is the
// idempotency key, and every retry sends the same body, so a send whose answer was lost runs once however often it
// is retried. 5xx and network errors are retried with a growing pause; any other refusal is said as the relay words
// it and not retried.
import { sealInstruction, type InstructionBody } from '../e2e/instructions.js';
import { call, errorText } from './relay-api.js';
import { show, type Session } from './page.js';
import { sleep } from './text.js';

const ATTEMPTS = 5;

export async function send(s: Session, instruction: InstructionBody, done: () => void): Promise<void> {
  if (!s.opener) return;
  // The session's name as shown: the daemon refuses an instruction for a session of another name (a forged view).
  const name = s.views.accept(null)?.name;
  const body = JSON.stringify(await sealInstruction(s.url.secret, s.opener, s.url.sessionId, { ...instruction, ...(name ? { name } : {}) }));
  const path = '/instructions';
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
    await send(s, { kind: 'prompt', text }, () => {
      input.value = '';
      show(s, 'Sent.');
    });
    submit.disabled = s.ended;
  });
}
