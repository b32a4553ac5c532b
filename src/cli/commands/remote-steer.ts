// rcd remote send|approve|deny|answer|mode|interrupt URL: steering a session through the relay with a control URL.
// Each instruction is sealed under the session's content key and proved with the URL's key (src/e2e/instructions.ts);
// the daemon checks the proof and runs it once. A request to answer is pinned here, where the user sees it: "the
// oldest" is named by its id, so the daemon never answers another one that came up meanwhile.
import { RcdError } from '../../common/errors.js';
import { sealInstruction, shownDigest, type InstructionBody } from '../../e2e/instructions.js';
import { InstructionAccepted, MAX_PROMPT_BYTES, type RemoteApproval } from '../../protocol/relay.js';
import { PermissionModeArg } from '../../protocol/api.js';
import { parse, usageError } from '../args.js';
import type { CommandContext } from '../context.js';
import { RelayBusy, mustSteer, relayCall, type SessionUrl } from '../remote-client.js';
import { indentBlock, loadSession, sessionTarget, type OpenedRemote } from '../remote-view.js';

// A send that fails on the network is retried with the same idempotency key, so it runs once whatever happens.
const SEND_ATTEMPTS = 3;
// A relay that says "busy, ask again in N s" (429/503) is asked again when it says, if that is this soon.
const MAX_BUSY_WAIT_MS = 15_000;

/** The session a steering command acts on, its view, and the keys to seal with; a view URL is refused. */
async function steered(argv: string[], session: unknown): Promise<{ target: SessionUrl; now: OpenedRemote }> {
  const target = await sessionTarget(argv[0] as string, session as string | undefined);
  mustSteer(target);
  return { target, now: await loadSession(target) };
}

export async function send(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('remote', argv, { json: { type: 'boolean' }, session: { type: 'string' } }, { min: 2, max: 2, afterDashDash: true });
  const text = positionals[1] as string;
  if (Buffer.byteLength(text) > MAX_PROMPT_BYTES) throw usageError('remote', `TEXT is over ${MAX_PROMPT_BYTES} bytes; send it in parts`);
  const { target, now } = await steered(positionals, values.session);
  const data = await sendSealed(target, now, { kind: 'prompt', text });
  if (values.json) ctx.json(data);
  return 0;
}

/**
 * Seals the instruction under the session's content key and proves it with the URL's key (src/e2e/instructions.ts),
 * then sends it; a retry sends the very same body (its nonce is the idempotency key), so it runs once.
 */
async function sendSealed(target: SessionUrl, now: OpenedRemote, body: InstructionBody): Promise<{ id: string; duplicate: boolean }> {
  // The name it was sent to, as shown: the daemon refuses it for a session of another name (a forged view).
  const sealed = await sealInstruction(target.url.secret, now.opener, target.url.sessionId, { ...body, name: now.view.name });
  return (await retrying(() => relayCall(target, '/instructions', InstructionAccepted, { method: 'POST', body: sealed }))).data;
}

export async function decide(kind: 'approve' | 'deny', argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('remote', argv, {
    message: { type: 'string' }, always: { type: 'boolean' }, mode: { type: 'string' }, json: { type: 'boolean' }, session: { type: 'string' },
  }, { min: 1, max: 2 });
  if (kind === 'approve' && values.message !== undefined) throw usageError('remote', '--message goes with deny');
  if (kind === 'deny' && (values.always || values.mode !== undefined)) throw usageError('remote', '--always and --mode go with approve');
  if (values.always && values.mode !== undefined) throw usageError('remote', '--always and --mode exclude each other');
  const mode = values.mode === undefined ? undefined : modeArg(values.mode as string);
  const { target, now } = await steered(positionals, values.session);
  // A question is answered (rcd remote answer); a deny may decline one too.
  const request = pinned(now, positionals[1], 'waits for approval', (a) => kind === 'deny' || a.kind !== 'question');
  const body: InstructionBody = {
    kind,
    request: request?.id ?? positionals[1],
    ...(kind === 'deny' ? { message: (values.message as string | undefined) ?? 'Denied by the user via rcd' } : {}),
    ...(values.always ? { always: true } : {}),
    ...(mode ? { mode } : {}),
    // What was shown of it: the daemon refuses the answer if that is not what waits (a view altered on the relay).
    ...(request ? { seen: await shownDigest(request.summary) } : {}),
  };
  const data = await sendSealed(target, now, body);
  if (values.json) ctx.json({ ...data, request: body.request });
  else {
    // The request answered, whole: without a REQUEST argument this is the first time the user sees what it was.
    const what = request ? `:\n${indentBlock(request.summary, '    ')}` : '';
    ctx.out(`${kind === 'approve' ? 'approval' : 'denial'} of ${String(body.request).slice(0, 8)} sent; it reaches the agent when the daemon picks it up${what}`);
  }
  return 0;
}

/**
 * The pending request a command answers, as the relay last showed it: the one `given` starts (a unique prefix), or the
 * oldest of those `fits` when none is given; undefined for an ambiguous prefix (it goes as typed: the daemon refuses
 * it, naming the candidates). A typo is said now: the relay cannot read the answer to check it.
 */
function pinned(now: OpenedRemote, given: string | undefined, what: string, fits: (a: RemoteApproval) => boolean, noun = 'approval'): RemoteApproval | undefined {
  const pending = now.view.approvals.filter(fits);
  const matching = given === undefined ? pending.slice(0, 1) : now.view.approvals.filter((a) => a.id.startsWith(given));
  if (matching.length === 0) {
    const known = pending.map((a) => `${a.id.slice(0, 8)} (${(a.summary.split('\n')[0] ?? '').slice(0, 60)})`).join(', ');
    if (given === undefined || !known) throw new RcdError('NOT_FOUND', `nothing in session ${now.view.name} ${what}`);
    throw new RcdError('CONFLICT', `no pending ${noun} starts with ${given}; pending: ${known}`);
  }
  return matching.length === 1 ? matching[0] : undefined;
}

const modeArg = (text: string) => {
  const m = PermissionModeArg.safeParse(text);
  if (!m.success) throw usageError('remote', `MODE is one of ${PermissionModeArg.options.join(', ')}`);
  return m.data;
};

/** `rcd remote answer URL [REQUEST] ANSWER...`: a question answered, each ANSWER as `rcd answer` reads it. */
export async function answer(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('remote', argv, { json: { type: 'boolean' }, session: { type: 'string' } }, { min: 2, max: 65, afterDashDash: true });
  const { target, now } = await steered(positionals, values.session);
  const args = positionals.slice(1);
  // A first argument naming a pending question is its REQUEST; otherwise the oldest question is named here.
  const first = args[0] as string;
  const named = args.length > 1 && now.view.approvals.some((a) => a.kind === 'question' && a.id.startsWith(first));
  const request = pinned(now, named ? first : undefined, 'waits for an answer', (a) => a.kind === 'question', 'question');
  const answers = named ? args.slice(1) : args;
  const seen = request ? { seen: await shownDigest(request.summary) } : {};
  const data = await sendSealed(target, now, { kind: 'answer', args: [request?.id ?? first, ...answers], ...seen });
  if (values.json) ctx.json({ ...data, request: request?.id ?? first });
  else ctx.out(`answer to ${(request?.id ?? first).slice(0, 8)} sent; it reaches Claude Code when the daemon picks it up${request ? `:\n${indentBlock(request.summary, '    ')}` : ''}`);
  return 0;
}

/** `rcd remote mode URL MODE`: the running session's permission mode switched. */
export async function mode(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('remote', argv, { json: { type: 'boolean' }, session: { type: 'string' } }, { min: 2, max: 2 });
  const m = modeArg(positionals[1] as string);
  const { target, now } = await steered(positionals, values.session);
  const data = await sendSealed(target, now, { kind: 'mode', mode: m });
  if (values.json) ctx.json(data);
  else ctx.out(`switch of ${now.view.name} to ${m} sent; \`rcd remote status\` shows the mode once the daemon has switched it`);
  return 0;
}

/**
 * `rcd remote stop URL` (the session stopped, as `rcd stop` does on the machine), `rcd remote restart URL` (a fresh
 * run, as `rcd restart`) and `rcd remote interrupt URL` (the running turn ended, a pending request withdrawn; the
 * session takes the next prompt): no arguments but the URL.
 */
export async function bare(kind: 'stop' | 'restart' | 'interrupt', argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('remote', argv, { json: { type: 'boolean' }, session: { type: 'string' } }, { min: 1, max: 1 });
  const { target, now } = await steered(positionals, values.session);
  const data = await sendSealed(target, now, { kind });
  if (values.json) ctx.json(data);
  else ctx.out(`${kind} of ${now.view.name} sent`);
  return 0;
}

export async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const network = err instanceof RcdError && err.code === 'DAEMON_UNAVAILABLE';
      const busy = err instanceof RelayBusy && err.retryAfterMs <= MAX_BUSY_WAIT_MS;
      if (!(network || busy) || attempt >= SEND_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, busy ? err.retryAfterMs + Math.random() * 500 : 300 * attempt));
    }
  }
}
