// rcd remote start DEVICE_URL --cwd DIR [--name N] [--agent generic|claude] [--worktree [--branch B]] [-- ARGS]:
// starts a session on the device URL's machine from anywhere; rcd remote dirs DEVICE_URL [DIR] lists where it may. The request is sealed under the device key and proved
// with the URL's key (src/e2e/device-instructions.ts), so the relay can neither read where nor forge one; the daemon
// checks the directory against its remoteStartRoots (src/daemon/remote/remote-start.ts) and answers with a sealed
// result, which this waits for (`--wait SECONDS`, default 30). A daemon that is offline takes it when it is back.
import { RcdError } from '../../common/errors.js';
import { openDeviceResult, sealDeviceInstruction } from '../../e2e/device-instructions.js';
import { DeviceInstructionResult } from '../../protocol/instruction-body.js';
import { InstructionAccepted } from '../../protocol/relay.js';
import { DeviceInstructionState } from '../../protocol/relay-device.js';
import { AGENT_KINDS } from '../../protocol/session.js';
import { nameProblem } from '../../protocol/session-name.js';
import { oneOf, parse, usageError } from '../args.js';
import type { CommandContext } from '../context.js';
import { isDeviceTarget, relayCall, resolveRemoteUrl, type DeviceTarget } from '../remote-client.js';
import { retrying } from './remote-steer.js';

const DEFAULT_WAIT_S = 30;
// Each wait for the result is a long-poll the relay holds up to this long (it answers at once when the result comes).
const POLL_MS = 10_000;

export async function remoteStart(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals, rest } = parse('remote', argv, {
    cwd: { type: 'string' }, name: { type: 'string' }, agent: { type: 'string' }, worktree: { type: 'boolean' },
    branch: { type: 'string' }, wait: { type: 'string' }, json: { type: 'boolean' },
  }, { min: 1, max: 1 });
  const cwd = values.cwd as string | undefined;
  if (!cwd) throw usageError('remote', 'start needs --cwd DIR: the directory on the device URL\'s machine (absolute, under its remoteStartRoots)');
  if (!cwd.startsWith('/')) throw usageError('remote', `--cwd ${cwd}: give the absolute path on the device URL's machine`);
  const agent = oneOf('remote', 'agent', values.agent, AGENT_KINDS) ?? 'generic';
  if (agent === 'generic' && rest.length === 0) throw usageError('remote', 'a generic session needs a command after --');
  const name = values.name as string | undefined;
  const problem = name === undefined ? null : nameProblem(name);
  if (problem) throw usageError('remote', `--name: ${problem}`);
  if (values.branch !== undefined && !values.worktree) throw usageError('remote', '--branch goes with --worktree');
  const waitS = values.wait === undefined ? DEFAULT_WAIT_S : Number(values.wait);
  if (!Number.isInteger(waitS) || waitS < 0 || waitS > 600) throw usageError('remote', '--wait takes whole seconds from 0 to 600');

  const target = await controlDevice(positionals[0] as string, 'start');
  const body = {
    kind: 'start', cwd, agent, command: rest, worktree: Boolean(values.worktree),
    ...(name ? { name } : {}), ...(values.branch !== undefined ? { branch: values.branch as string } : {}),
  };
  const { id, result } = await askDaemon(target, body, waitS * 1000);
  if (values.json) {
    ctx.json({ id, ...(result ?? { ok: null, pending: true }) });
  } else if (!result) {
    ctx.out(`start sent (${id}); the daemon has not answered within ${waitS} s (offline?): it starts the session when it takes the request. See \`rcd remote status DEVICE_URL\`.`);
  } else if (result.ok && 'session' in result) {
    const s = result.session;
    ctx.out(`started ${s.name} (${s.id}) in ${s.cwd}${s.worktree ? ` on branch ${s.worktree.branch}` : ''}\nenvironment: ${result.environment}`);
  }
  if (result && !result.ok) throw new RcdError('CONFLICT', `the daemon refused the start: ${result.error}`);
  return 0;
}

/** `rcd remote dirs DEVICE_URL [DIR]`: the directories remote starts may use (the roots), or those in DIR. */
export async function remoteDirs(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('remote', argv, { json: { type: 'boolean' } }, { min: 1, max: 2 });
  const path = positionals[1];
  if (path !== undefined && !path.startsWith('/')) throw usageError('remote', `${path}: give the absolute path on the device URL's machine`);
  const target = await controlDevice(positionals[0] as string, 'dirs');
  const { result } = await askDaemon(target, { kind: 'dirs', ...(path ? { path } : {}) }, DEFAULT_WAIT_S * 1000);
  if (!result) throw new RcdError('DAEMON_UNAVAILABLE', `the daemon did not answer within ${DEFAULT_WAIT_S} s (offline?)`);
  if (!result.ok) throw new RcdError('CONFLICT', `the daemon refused: ${result.error}`);
  if (!('dirs' in result)) throw new RcdError('INTERNAL', 'the daemon answered something else');
  if (values.json) ctx.json(result);
  else if (result.path === null) ctx.out(result.roots.join('\n'));
  else ctx.out([...result.dirs.map((d) => `${result.path}/${d}`), ...(result.more ? ['(more not shown)'] : [])].join('\n'));
  return 0;
}

/** A device URL that may ask its daemon things (control scope); a session URL or a view URL is refused. */
export async function controlDevice(raw: string, what: string): Promise<DeviceTarget> {
  const target = await resolveRemoteUrl(raw);
  if (!isDeviceTarget(target)) throw usageError('remote', `${what} takes a device URL (\`rcd url --device\` on the machine prints it), not a session URL`);
  if (target.scope !== 'control') {
    throw new RcdError('CONFLICT', 'this is a view-only device URL: it reads the sessions, it cannot start one; ask the owner for the control URL (`rcd url --device`)');
  }
  return target;
}

/** Sends an instruction to the daemon itself and waits up to `waitMs` for its answer (null: none yet). */
export async function askDaemon(target: DeviceTarget, body: Record<string, unknown>, waitMs: number): Promise<{ id: string; result: DeviceInstructionResult | null }> {
  const sealed = await sealDeviceInstruction(target.device.secret, target.device.daemonId, body);
  // A retry sends the very same body (its nonce is the idempotency key): it runs once whatever the network does.
  const { data: accepted } = await retrying(() => relayCall(target, '/instructions', InstructionAccepted, { method: 'POST', body: sealed }));
  return { id: accepted.id, result: await waitForResult(target, accepted.id, sealed.nonce, waitMs) };
}

/** The daemon's result, opened with the device URL's key; null when none came within `waitMs`. */
async function waitForResult(target: DeviceTarget, id: string, nonce: string, waitMs: number): Promise<DeviceInstructionResult | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return null;
    const { data } = await relayCall(target, `/instructions/${id}?wait=${Math.min(left, POLL_MS)}`, DeviceInstructionState, { longPoll: true });
    if (data.result) {
      let opened: unknown;
      try {
        opened = await openDeviceResult(target.device.secret, target.device.daemonId, nonce, data.result);
      } catch {
        throw new RcdError('INTERNAL', 'the result the relay handed back is not the daemon\'s (it does not open with this URL\'s key); the start may or may not have happened');
      }
      const parsed = DeviceInstructionResult.safeParse(opened);
      if (!parsed.success) throw new RcdError('INTERNAL', 'the daemon\'s result is not one this rcd understands');
      return parsed.data;
    }
  }
}
