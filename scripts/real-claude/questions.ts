// AskUserQuestion through rcd against the real CLI, on one session `ask`: answered by number, by label, by free text,
// a multiSelect among several questions, remotely through the relay, after a kill -9 of the daemon, and withdrawn by an
// interrupt. Each answer is checked where it matters: in the tool result of the model's next request.
import { waitFor } from '../../test/helpers/harness.js';
import type { Check } from './context.js';

const ANSWERED = (pairs: string) => new RegExp(`^Your questions have been answered: ${pairs}\\. You can now continue with these answers in mind\\.$`);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const pair = (q: string, a: string) => esc(`"${q}"="${a}"`);

export async function questions(c: Check): Promise<boolean> {
  const { rcd } = c;
  let ok = true;

  /** Sends an `ask:` prompt and answers the question it raises with ANSWERS; returns the model's tool result. */
  const askAndAnswer = async (prompt: string, answers: string[], expect: RegExp, named = false): Promise<string> => {
    await rcd.ok(['send', 'ask', prompt]);
    const q = await c.pending('ask', 'question');
    const mark = c.mark();
    await rcd.ok(['answer', 'ask', ...(named ? [q.id.slice(0, 8)] : []), ...answers]);
    return c.modelGot(mark, expect);
  };

  ok = (await c.scenario('a question answered by number: the answer is in the model\'s next request', async () => {
    await c.start('ask');
    await rcd.ok(['send', 'ask', 'ask: Which color? = red | green | blue']);
    const q = await c.pending('ask', 'question');
    const line = (await c.rawLines('ask')).find((l) => l.type === 'control_request' && l.request_id === q.id);
    const request = line?.request as Record<string, unknown> | undefined;
    if (request?.requires_user_interaction !== true) throw new Error(`the can_use_tool line lacks requires_user_interaction: ${JSON.stringify(request)}`);
    const mark = c.mark();
    await rcd.ok(['answer', 'ask', '2']);
    const said = await c.modelGot(mark, ANSWERED(pair('Which color?', 'green')));
    await c.logsMatch('ask', /tool said: Your questions have been answered: "Which color\?"="green"/);
    return `model got: ${said}`;
  })) && ok;

  ok = (await c.scenario('a question answered by label (any case)', async () => {
    const said = await askAndAnswer('ask: Which size? = small | large', ['LARGE'], ANSWERED(pair('Which size?', 'large')));
    return `model got: ${said.slice(0, 60)}…`;
  })) && ok;

  ok = (await c.scenario('a question answered by free text', async () => {
    const said = await askAndAnswer('ask: Which size? = small | large', ['medium, please'],
      new RegExp(`^The user answered: ${pair('Which size?', 'medium, please')}\\. Read the answers carefully`));
    return `model got: ${said.slice(0, 70)}…`;
  })) && ok;

  ok = (await c.scenario('multiSelect among several questions, REQUEST named: labels joined by ", " read as options', async () => {
    const said = await askAndAnswer('ask: Which color? = red | green && Toppings? =* cheese | ham | olives', ['GREEN', '1,olives'],
      ANSWERED(`${pair('Which color?', 'green')}, ${pair('Toppings?', 'cheese, olives')}`), true);
    return `model got: ${said.slice(0, 90)}…`;
  })) && ok;

  ok = (await c.scenario('a question answered remotely (rcd remote answer URL)', async () => {
    const url = (await rcd.ok(['url', 'ask'])).trim();
    await rcd.ok(['remote', 'send', url, 'ask: Ship it? = yes | no']);
    const q = await c.pending('ask', 'question');
    const mark = c.mark();
    await rcd.ok(['remote', 'answer', url, '1']);
    const said = await c.modelGot(mark, ANSWERED(pair('Ship it?', 'yes')));
    const [done] = (await c.approvals('ask', true)).filter((a) => a.id === q.id);
    if (done?.decidedBy !== 'remote') throw new Error(`decided by ${done?.decidedBy}`);
    return `decided by remote; model got: ${said.slice(0, 50)}…`;
  })) && ok;

  ok = (await c.scenario('kill -9 the daemon with a question pending, then answered once', async () => {
    await rcd.ok(['send', 'ask', 'ask: Deploy now? = yes | later']);
    const q = await c.pending('ask', 'question');
    const before = await c.session('ask');
    process.kill(rcd.daemonPid() as number, 'SIGKILL');
    const after = await c.session('ask'); // a new daemon starts and re-adopts
    if (after.pid !== before.pid) throw new Error(`Claude Code was not re-adopted (pid ${before.pid} -> ${after.pid})`);
    if (after.pendingApprovals !== 1) throw new Error(`pending approvals after the restart: ${after.pendingApprovals}`);
    const mark = c.mark();
    await rcd.ok(['answer', 'ask', 'later']);
    await c.modelGot(mark, ANSWERED(pair('Deploy now?', 'later')));
    await c.logsMatch('ask', /"Deploy now\?"="later"[^\n]*\n── turn done/);
    const toolUse = (await c.rawLines('ask')).find((l) => l.type === 'control_request' && l.request_id === q.id)?.request as { tool_use_id?: string } | undefined;
    const results = (await c.rawLines('ask')).filter((l) => l.type === 'user' && JSON.stringify(l.message).includes(`"tool_use_id":"${toolUse?.tool_use_id}"`));
    if (results.length !== 1) throw new Error(`${results.length} tool results for the question (want 1)`);
    return `same process ${after.pid}; still pending after the restart; one answer, one tool result`;
  })) && ok;

  ok = (await c.scenario('interrupt with a question pending: withdrawn, then the next prompt works', async () => {
    await rcd.ok(['send', 'ask', 'ask: Which color? = red | green']);
    const q = await c.pending('ask', 'question');
    await rcd.ok(['interrupt', 'ask']);
    const [after] = (await c.approvals('ask', true)).filter((a) => a.id === q.id);
    if (after?.state !== 'expired') throw new Error(`the question is ${after?.state}, not expired`);
    const mark = c.mark();
    await rcd.ok(['send', 'ask', 'after the question']);
    await c.logsMatch('ask', /echo: after the question/);
    const said = await c.modelGot(mark, /^The user doesn't want to proceed with this tool use/);
    await waitFor(async () => (await c.session('ask')).state === 'running', 'the session to keep running');
    await rcd.ok(['stop', 'ask']);
    return `expired; the model was told: ${said.slice(0, 55)}…`;
  })) && ok;

  return ok;
}
