// AskUserQuestion and ExitPlanMode, the two requests Claude Code makes of a person rather than for a tool: their input
// read defensively (the request's input passed zod as an object of unknowns; a field of the wrong shape makes the
// request read as an ordinary one, never an exception), and a person's ANSWERs turned into Claude Code's `answers`.
// It imports nothing, so the relay's session page can bundle it with render-text.ts.

export interface QuestionOption {
  label: string;
  description: string;
}

export interface Question {
  question: string;
  header: string;
  multiSelect: boolean;
  options: QuestionOption[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** AskUserQuestion's `questions`, or null when the input does not hold them as Claude Code sends them. */
export function questionsOf(input: unknown): Question[] | null {
  const raw = input !== null && typeof input === 'object' ? (input as { questions?: unknown }).questions : undefined;
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const out: Question[] = [];
  for (const q of raw as unknown[]) {
    if (q === null || typeof q !== 'object') return null;
    const { question, header, multiSelect, options } = q as Record<string, unknown>;
    if (typeof question !== 'string' || !Array.isArray(options)) return null;
    const opts: QuestionOption[] = [];
    for (const o of options as unknown[]) {
      const label = o !== null && typeof o === 'object' ? str((o as { label?: unknown }).label) : undefined;
      if (label === undefined) return null;
      opts.push({ label, description: str((o as { description?: unknown }).description) ?? '' });
    }
    out.push({ question, header: str(header) ?? '', multiSelect: multiSelect === true, options: opts });
  }
  return out;
}

/** ExitPlanMode's plan text, when Claude Code gives it. */
export function planOf(input: unknown): string | null {
  return (input !== null && typeof input === 'object' && str((input as { plan?: unknown }).plan)) || null;
}

/** A question and its numbered options, as `rcd approvals`, `rcd logs` and usage errors show them. */
export function questionText(q: Question, n: number, indent = ''): string {
  const how = q.multiSelect ? 'pick one or more: numbers or labels joined by commas, or your own words' : 'pick one: a number or a label, or your own words';
  const lines = [`${indent}${n}. ${q.header ? `[${q.header}] ` : ''}${q.question}  (${how})`];
  q.options.forEach((o, i) => lines.push(`${indent}   ${i + 1}) ${o.label}${o.description ? ` — ${o.description}` : ''}`));
  return lines.join('\n');
}

export const questionsText = (qs: Question[], indent = '') => qs.map((q, i) => questionText(q, i + 1, indent)).join('\n');

/** An ANSWER that does not fit: said with the questions and their options (a usage error). */
export class AnswerProblem extends Error {}

function optionFor(q: Question, part: string, n: number): string | undefined {
  const exact = q.options.find((o) => o.label === part) ?? q.options.find((o) => o.label.toLowerCase() === part.toLowerCase());
  if (exact) return exact.label;
  if (!/^\d+$/.test(part)) return undefined;
  const i = Number(part);
  const option = q.options[i - 1];
  if (i < 1 || !option) {
    throw new AnswerProblem(`${part} is not an option of question ${n} (it has ${q.options.length}: 1-${q.options.length}, a label, or your own words):\n${questionText(q, n, '  ')}`);
  }
  return option.label;
}

/**
 * One ANSWER per question, in order: an option's label or its 1-based number, or free text (the "Other" answer);
 * a multiSelect question takes labels or numbers joined by commas, which Claude Code gets joined by ", " (2.1.332 reads
 * that as chosen options: docs/claude-code-protocol-notes.md section 10). Returns `answers` as Claude Code takes them:
 * question text -> answer.
 */
export function resolveAnswers(questions: Question[], args: readonly string[]): Record<string, string> {
  if (args.length !== questions.length) {
    const asks = `${questions.length} question${questions.length === 1 ? '' : 's'}`;
    throw new AnswerProblem(`the request asks ${asks} and ${args.length} answer${args.length === 1 ? ' was' : 's were'} given; give one ANSWER per question, in order:\n${questionsText(questions, '  ')}`);
  }
  const answers: Record<string, string> = {};
  questions.forEach((q, i) => {
    const arg = (args[i] as string).trim();
    if (!arg) throw new AnswerProblem(`answer ${i + 1} is empty:\n${questionText(q, i + 1, '  ')}`);
    const whole = optionFor(q, arg, i + 1);
    if (whole !== undefined || !q.multiSelect || !arg.includes(',')) {
      answers[q.question] = whole ?? arg;
      return;
    }
    const parts = arg.split(',').map((p) => p.trim()).filter(Boolean);
    const picked = parts.map((p) => optionFor(q, p, i + 1));
    // Not all of them options: the person wrote their own words, which may well hold a comma.
    answers[q.question] = picked.every((p) => p !== undefined) ? [...new Set(picked)].join(', ') : arg;
  });
  return answers;
}
