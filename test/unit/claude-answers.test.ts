// rcd answer's parsing: an ANSWER is an option's label or 1-based number, or free text; a multiSelect question takes
// several joined by commas; a wrong count or an out-of-range number is refused with the options listed. And which
// first word names a REQUEST rather than being an answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerProblem, planOf, questionsOf, resolveAnswers, type Question } from '../../src/agents/claude/questions.js';
import { answerArgs } from '../../src/agents/claude/control/pick.js';
import { approveDecision } from '../../src/agents/claude/control/answers.js';
import type { ApprovalRecord } from '../../src/store/approvals.js';

const opts = (...labels: string[]) => labels.map((label) => ({ label, description: `about ${label}` }));
const color: Question = { question: 'Which color?', header: 'Color', multiSelect: false, options: opts('Red', 'Green', 'Blue') };
const toppings: Question = { question: 'Toppings?', header: 'Food', multiSelect: true, options: opts('cheese', 'ham', 'olives, black') };

const problem = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof AnswerProblem && re.test(e.message));

describe('rcd answer: answers', () => {
  it('takes a number, a label (any case) or free text, keyed by the question text', () => {
    assert.deepEqual(resolveAnswers([color], ['2']), { 'Which color?': 'Green' });
    assert.deepEqual(resolveAnswers([color], ['blue']), { 'Which color?': 'Blue' });
    assert.deepEqual(resolveAnswers([color], ['  a warm orange ']), { 'Which color?': 'a warm orange' });
    assert.deepEqual(resolveAnswers([color], ['red, green']), { 'Which color?': 'red, green' }, 'single choice: commas are free text');
  });

  it('multiSelect: labels or numbers joined by commas become labels joined by ", "; a label with a comma still matches whole', () => {
    assert.deepEqual(resolveAnswers([toppings], ['1,3']), { 'Toppings?': 'cheese, olives, black' });
    assert.deepEqual(resolveAnswers([toppings], ['HAM, 1, ham']), { 'Toppings?': 'ham, cheese' });
    assert.deepEqual(resolveAnswers([toppings], ['olives, black']), { 'Toppings?': 'olives, black' });
    assert.deepEqual(resolveAnswers([toppings], ['ham, and some basil']), { 'Toppings?': 'ham, and some basil' }, 'not all options: free text');
  });

  it('several questions take one answer each, in order', () => {
    assert.deepEqual(resolveAnswers([color, toppings], ['3', '2,1']), { 'Which color?': 'Blue', 'Toppings?': 'ham, cheese' });
  });

  it('refuses a wrong count, an out-of-range number and an empty answer, listing the options numbered', () => {
    problem(() => resolveAnswers([color, toppings], ['1']), /asks 2 questions and 1 answer was given[\s\S]*1\. \[Color\] Which color\?[\s\S]*3\) Blue — about Blue[\s\S]*2\. \[Food\] Toppings\?/);
    problem(() => resolveAnswers([color], ['4']), /4 is not an option of question 1 \(it has 3: 1-3[\s\S]*1\) Red/);
    problem(() => resolveAnswers([color], ['0']), /0 is not an option/);
    problem(() => resolveAnswers([toppings], ['1,9']), /9 is not an option/);
    problem(() => resolveAnswers([color], [' ']), /answer 1 is empty/);
  });

  it('reads questions and plans defensively: a wrong shape is no question at all', () => {
    assert.deepEqual(questionsOf({ questions: [{ question: 'Q?', options: [{ label: 'a' }] }] }), [{ question: 'Q?', header: '', multiSelect: false, options: [{ label: 'a', description: '' }] }]);
    assert.equal(questionsOf({ questions: [{ question: 'Q?', options: [{ text: 'a' }] }] }), null);
    assert.equal(questionsOf({ questions: [] }), null);
    assert.equal(questionsOf(null), null);
    assert.equal(planOf({ plan: '1. do it' }), '1. do it');
    assert.equal(planOf({ plan: 3 }), null);
  });
});

const record = (id: string, kind: ApprovalRecord['kind'], suggestions: Record<string, unknown>[] | null = null): ApprovalRecord => ({
  sessionId: 's', id, run: 1, tool: kind === 'question' ? 'AskUserQuestion' : kind === 'plan' ? 'ExitPlanMode' : 'Bash', kind, input: {},
  suggestions, answer: null, state: 'pending', createdAt: '', decidedAt: null, decidedBy: null, message: null, delivered: false,
});

describe('rcd answer: REQUEST or answer', () => {
  const requests = [record('abcd1234-0000', 'question'), record('12345678-0000', 'tool')];
  it('a first word that starts a request id (4+ hex digits) and is followed by answers is the REQUEST', () => {
    assert.deepEqual(answerArgs(requests, ['abcd', 'red']), { request: 'abcd', answers: ['red'] });
    assert.deepEqual(answerArgs(requests, ['1234', 'red']), { request: '1234', answers: ['red'] }, 'a tool request is named, then refused as not a question');
  });
  it('otherwise every word is an answer to the oldest pending question', () => {
    assert.deepEqual(answerArgs(requests, ['abcd']), { request: undefined, answers: ['abcd'] }, 'alone, it is the answer');
    assert.deepEqual(answerArgs(requests, ['2', 'red']), { request: undefined, answers: ['2', 'red'] }, 'too short for an id');
    assert.deepEqual(answerArgs(requests, ['beef', 'red']), { request: undefined, answers: ['beef', 'red'] }, 'no such id');
  });
});

describe('rcd approve: --always and --mode', () => {
  const suggestions = [
    { type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'touch f' }], behavior: 'allow', destination: 'localSettings' },
    { type: 'addDirectories', directories: ['/w'], destination: 'session' },
    { type: 'setMode', mode: 'acceptEdits', destination: 'session' },
  ];
  it('--always sends the request\'s own rules for the session, not its mode suggestion', () => {
    const d = approveDecision(record('a', 'tool', suggestions), { always: true });
    assert.ok(d.allow);
    assert.deepEqual(d.answer?.updatedPermissions, [{ ...suggestions[0], destination: 'session' }, suggestions[1]]);
    assert.match(d.detail ?? '', /Bash\(touch f\)/);
    assert.throws(() => approveDecision(record('a', 'tool', []), { always: true }), /offered no rule/);
  });
  it('--mode accepts a plan with a setMode for the session; it is refused on other requests, and approve on a question points to answer', () => {
    const d = approveDecision(record('a', 'plan'), { mode: 'acceptEdits' });
    assert.ok(d.allow);
    assert.deepEqual(d.answer?.updatedPermissions, [{ type: 'setMode', mode: 'acceptEdits', destination: 'session' }]);
    assert.throws(() => approveDecision(record('a', 'tool'), { mode: 'plan' }), /--mode goes with a plan/);
    assert.throws(() => approveDecision(record('abcdef123', 'question'), {}, 'proj'), /rcd answer proj abcdef12 ANSWER/);
  });
});
