// A question request (AskUserQuestion) on the page: each question with one button per option, named by the option's
// label, and a text field for an answer in one's own words. A lone single-choice question is answered by one tap;
// otherwise taps select (aria-pressed) and "Answer" sends one ANSWER per question, as `rcd answer` takes them (an
// option's number, numbers joined by commas for a multiSelect, or the text). Everything shown is text, never markup.
import type { RemoteApproval } from '../protocol/relay.js';
import { clean } from './text.js';

type Question = NonNullable<RemoteApproval['questions']>[number];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Renders the questions into `box`; `answer(args)` is called with one ANSWER per question. */
export function renderQuestions(box: HTMLElement, questions: readonly Question[], answer: (args: string[]) => void): void {
  box.replaceChildren();
  const picked = questions.map(() => new Set<number>());
  const others: HTMLInputElement[] = [];
  const oneTap = questions.length === 1 && !questions[0]?.multiSelect;
  questions.forEach((q, qi) => {
    const set = el('fieldset');
    set.append(el('legend', clean(`${q.header ? `[${q.header}] ` : ''}${q.question}${q.multiSelect ? ' (one or more)' : ''}`)));
    const buttons: HTMLButtonElement[] = [];
    q.options.forEach((o, oi) => {
      const b = el('button', clean(o.label));
      b.type = 'button';
      b.className = 'plain option';
      if (o.description) b.title = clean(o.description);
      b.setAttribute('aria-pressed', 'false');
      b.addEventListener('click', () => {
        if (oneTap) return answer([String(oi + 1)]);
        const chosen = picked[qi] as Set<number>;
        if (!q.multiSelect) chosen.clear();
        if (chosen.has(oi)) chosen.delete(oi);
        else chosen.add(oi);
        buttons.forEach((x, xi) => x.setAttribute('aria-pressed', String(chosen.has(xi))));
      });
      buttons.push(b);
      set.append(b, ' ');
    });
    const other = el('input');
    other.type = 'text';
    other.placeholder = 'or your own words';
    other.setAttribute('aria-label', `Other answer to question ${qi + 1}`);
    others.push(other);
    set.append(other);
    box.append(set);
  });
  const send = el('button', 'Answer');
  send.type = 'button';
  send.addEventListener('click', () => {
    const args = questions.map((_, qi) => {
      const own = others[qi]?.value.trim() ?? '';
      if (own) return own;
      return [...(picked[qi] as Set<number>)].sort((a, b) => a - b).map((i) => String(i + 1)).join(',');
    });
    if (args.every((a) => a !== '')) answer(args);
  });
  box.append(send);
}
