// What an answer to each kind of Claude Code request carries (docs/claude-code.md "Questions, plans and modes"):
//  - tool: allow with the input unchanged; `--always` adds the request's own rule suggestions for the session;
//  - question (AskUserQuestion): allow with `answers` added to the input, the only way the person's words reach it;
//  - plan (ExitPlanMode): allow accepts it, `--mode` also sets the mode for what follows; deny keeps Claude planning.
// Each function throws for an answer that does not fit the request, before anything is decided.
import { AnswerProblem, planOf, questionsOf, resolveAnswers } from '../questions.js';
import type { PermissionMode } from '../protocol.js';
import { RcdError } from '../../../common/errors.js';
import type { Approval } from '../../../protocol/api.js';
import type { AllowAnswer, ApprovalRecord, RequestKind } from '../../../store/approvals.js';

export const DEFAULT_DENY_MESSAGE = 'Denied by the user via rcd';

export type Decision = { allow: true; answer: AllowAnswer | null; detail: string | null } | { allow: false; message: string };

export function kindOf(tool: string): RequestKind {
  if (tool === 'AskUserQuestion') return 'question';
  if (tool === 'ExitPlanMode') return 'plan';
  return 'tool';
}

// Suggestion types that make "the same again" pass without asking. A `setMode` suggestion is left out: switching the
// mode is `rcd mode`'s (or a plan's --mode), not a side effect of "always allow this".
const ALWAYS_TYPES = new Set(['addRules', 'addDirectories']);

const short = (a: ApprovalRecord) => a.id.slice(0, 8);

export function denyDecision(message: string | undefined): Decision {
  return { allow: false, message: message || DEFAULT_DENY_MESSAGE };
}

/** `approve` (and the relay's approve): allow, with `--always` rules or a plan's `--mode` when asked for. */
export function approveDecision(a: ApprovalRecord, opts: { always?: boolean; mode?: PermissionMode }, sessionName = 'SESSION'): Decision {
  if (a.kind === 'question') {
    throw new RcdError('CONFLICT', `request ${short(a)} is a question from Claude Code: answer it with \`rcd answer ${sessionName} ${short(a)} ANSWER...\` (its options: \`rcd approvals ${sessionName}\`)`);
  }
  if (opts.mode && a.kind !== 'plan') {
    throw new RcdError('USAGE', `--mode goes with a plan (ExitPlanMode) and request ${short(a)} is a ${a.kind} request; \`rcd mode ${sessionName} ${opts.mode}\` switches the mode`);
  }
  if (opts.mode) {
    return { allow: true, answer: { updatedPermissions: [{ type: 'setMode', mode: opts.mode, destination: 'session' }] }, detail: `plan accepted, mode ${opts.mode}` };
  }
  if (!opts.always) return { allow: true, answer: null, detail: a.kind === 'plan' ? 'plan accepted' : null };
  if (a.kind !== 'tool') throw new RcdError('USAGE', `--always goes with a tool request and request ${short(a)} is a ${a.kind}`);
  const rules = (a.suggestions ?? []).filter((s) => ALWAYS_TYPES.has(String(s.type))).map((s): Record<string, unknown> => ({ ...s, destination: 'session' }));
  if (!rules.some((s) => s.type === 'addRules')) {
    throw new RcdError('CONFLICT', `Claude Code offered no rule to remember for request ${short(a)} (${a.tool}); approve it without --always`);
  }
  return { allow: true, answer: { updatedPermissions: rules }, detail: `always, this session: ${ruleText(rules)}` };
}

/** `rcd answer`: the person's ANSWERs to a question request, one per question. */
export function answerDecision(a: ApprovalRecord, args: readonly string[]): Decision {
  const questions = questionsOf(a.input);
  if (!questions) throw new RcdError('CONFLICT', `request ${short(a)} holds no questions rcd can read; see \`rcd approvals --json\``);
  let answers: Record<string, string>;
  try {
    answers = resolveAnswers(questions, args);
  } catch (err) {
    if (err instanceof AnswerProblem) throw new RcdError('USAGE', err.message);
    throw err;
  }
  const detail = Object.entries(answers).map(([q, ans]) => `${JSON.stringify(q)}=${JSON.stringify(ans)}`).join(', ');
  return { allow: true, answer: { updatedInput: { ...a.input, answers } }, detail };
}

function ruleText(updates: Record<string, unknown>[]): string {
  const rules = updates.flatMap((u) => (Array.isArray(u.rules) ? (u.rules as { toolName?: unknown; ruleContent?: unknown }[]) : []));
  return rules.map((r) => `${String(r.toolName)}${r.ruleContent === undefined ? '' : `(${String(r.ruleContent)})`}`).join(', ');
}

/** The API's view of an approval record. */
export function approvalView(a: ApprovalRecord, sessionName: string): Approval {
  return {
    id: a.id, session: a.sessionId, sessionName, tool: a.tool, kind: a.kind, input: a.input, state: a.state, createdAt: a.createdAt,
    decidedAt: a.decidedAt, decidedBy: a.decidedBy, message: a.message,
    ...(a.kind === 'question' ? { questions: questionsOf(a.input) ?? [] } : {}),
    ...(a.kind === 'plan' ? { plan: planOf(a.input) } : {}),
    ...(a.state === 'allowed' && a.answer?.updatedInput && 'answers' in a.answer.updatedInput ? { answers: a.answer.updatedInput.answers as Record<string, string> } : {}),
  };
}

