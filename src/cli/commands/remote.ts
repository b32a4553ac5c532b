// rcd remote status|logs URL (and the dispatch of the steering commands, remote-steer.ts): a client that knows only a
// session or device URL and talks only to the relay. With a device URL, `status` lists the daemon's sessions and the
// others take `--session NAME|ID`.
import { POLL_HOLD_MS, RemoteEventsResponse } from '../../protocol/relay.js';
import { parse, usageError } from '../args.js';
import type { EventOpener } from '../../e2e/records.js';
import { OpenFailed } from '../../e2e/seal.js';
import { table } from '../format.js';
import type { CommandContext } from '../context.js';
import { isDeviceTarget, relayCall, resolveRemoteUrl, type DeviceTarget, type SessionUrl } from '../remote-client.js';
import { indentBlock, loadDevice, loadSession, sessionTarget, statusJson } from '../remote-view.js';
import { answer, bare, decide, mode, send } from './remote-steer.js';
import { adapterNamed } from '../../agents/index.js';
import { remoteDirs, remoteStart } from './remote-start.js';


export async function remote(argv: string[], ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'status': return status(rest, ctx);
    case 'logs': return logs(rest, ctx);
    case 'send': return send(rest, ctx);
    case 'approve': return decide('approve', rest, ctx);
    case 'deny': return decide('deny', rest, ctx);
    case 'answer': return answer(rest, ctx);
    case 'mode': return mode(rest, ctx);
    case 'interrupt':
    case 'stop':
    case 'restart': return bare(sub, rest, ctx);
    case 'start': return remoteStart(rest, ctx);
    case 'dirs': return remoteDirs(rest, ctx);
    default: throw usageError('remote', sub ? `unknown remote command "${sub}"` : 'missing remote command');
  }
}

async function status(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('remote', argv, { json: { type: 'boolean' }, session: { type: 'string' } }, { min: 1, max: 1 });
  const given = await resolveRemoteUrl(positionals[0] as string);
  if (isDeviceTarget(given) && values.session === undefined) return deviceStatus(given, Boolean(values.json), ctx);
  const opened = await loadSession(await sessionTarget(positionals[0] as string, values.session as string | undefined));
  const { status: data, view: s } = opened;
  if (values.json) ctx.json(statusJson(opened), true);
  else {
    ctx.out(table([
      ['NAME', 'STATE', 'AGENT', 'APPROVALS', 'DAEMON', 'UPDATED', 'URL'],
      [s.name, s.state, s.agent, String(s.pendingApprovals), data.daemonOnline ? 'online' : 'offline', data.session.updatedAt, data.scope === 'view' ? 'view only' : 'read and steer'],
    ]));
    if (s.approvals.length > 0) {
      // Each request whole under its row, as `rcd approvals` shows it: what is approved from here is what runs.
      ctx.out(data.scope === 'view'
        ? '\nwaiting for approval (this view-only URL cannot answer; the owner or the control URL can):'
        : '\nwaiting for approval (rcd remote approve|deny URL [REQUEST]):');
      const [head = '', ...rows] = table([['REQUEST', 'TOOL', 'ASKED'], ...s.approvals.map((a) => [a.id.slice(0, 8), a.tool, a.createdAt.slice(11, 19)])]).split('\n');
      ctx.out([head, ...rows.flatMap((row, i) => [row, indentBlock(s.approvals[i]?.summary ?? '', '    ')])].join('\n'));
    }
  }
  return 0;
}

/** A device URL's sessions, one row each (a session whose view does not open says why instead of its name). */
async function deviceStatus(t: DeviceTarget, json: boolean, ctx: CommandContext): Promise<number> {
  const { status, sessions } = await loadDevice(t);
  if (json) {
    ctx.json({
      daemonOnline: status.daemonOnline, scope: status.scope,
      sessions: sessions.map(({ view, why, ...s }) => {
        const { at: _at, approvals: _a, ...shown } = view ?? { at: 0, approvals: [] };
        return { ...s, ...shown, ...(why ? { error: why } : {}) };
      }),
    }, true);
    return 0;
  }
  ctx.out(`daemon ${status.daemonOnline ? 'online' : 'offline'}; this device URL ${status.scope === 'view' ? 'reads only' : 'reads and steers'}`);
  if (sessions.length === 0) ctx.out('no sessions');
  else {
    ctx.out(table([
      ['ID', 'NAME', 'STATE', 'AGENT', 'APPROVALS', 'UPDATED'],
      ...sessions.map((s) => s.view
        ? [s.id.slice(0, 8), s.view.name, s.view.state, s.view.agent, String(s.view.pendingApprovals), s.updatedAt]
        : [s.id.slice(0, 8), `(${s.why ?? 'not readable'})`, s.live ? 'live' : '-', '', '', s.updatedAt]),
    ]));
  }
  return 0;
}

async function logs(argv: string[], _ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse('remote', argv, { follow: { type: 'boolean', short: 'f' }, json: { type: 'boolean' }, session: { type: 'string' } }, { min: 1, max: 1 });
  const target = await sessionTarget(positionals[0] as string, values.session as string | undefined);
  process.once('SIGINT', () => process.exit(0));
  // Shown exactly as `rcd logs` shows it: claude sessions rendered (raw stream-json with --json).
  // The events are sealed: the envelope (the session's content keys sealed under this URL's key) opens them.
  const loaded = await loadSession(target);
  const { view } = loaded;
  let { opener } = loaded;
  const renderer = values.json ? undefined : await adapterNamed(view.agent)?.renderer?.(view.name);
  const out = (buf: Buffer) => (renderer ? write(Buffer.from(renderer.push(buf))) : write(buf));
  let after = 0;
  let warned = false;
  for (;;) {
    const wait = values.follow ? POLL_HOLD_MS : 0;
    const { data } = await relayCall(target, `/events?after=${after}&wait=${wait}`, RemoteEventsResponse, { longPoll: Boolean(values.follow) });
    if (data.gap && !warned) {
      process.stderr.write('rcd: earlier output was pruned by the relay; showing what it still holds\n');
      warned = true;
    }
    for (const e of data.events) {
      after = e.seq;
      try {
        if (!opener.holdsKeyOf(e.data)) opener = await newerKeys(target, opener, e.data);
        const event = await opener.read(e);
        if (event.kind === 'output') await out(Buffer.from(event.data));
      } catch (err) {
        if (!(err instanceof OpenFailed)) throw err;
        // Altered, forged or moved on the relay: refused, never shown.
        process.stderr.write(`rcd: event ${e.seq} did not authenticate (altered on the relay?); not shown\n`);
      }
    }
    if (!data.more || (!values.follow && data.events.length === 0)) {
      if (renderer) await write(Buffer.from(renderer.end()));
      return 0;
    }
  }
}

// How long a client waits for the envelope holding a key newer than its own (the daemon sends it right after the
// events it sealed, so this is a bound for a slow link, not a wait anyone sees normally).
const NEWER_KEYS_WAIT_MS = 5_000;

/** The envelope again, until it holds the key `sealed` names or the wait is over (then the record is refused). */
async function newerKeys(target: SessionUrl, opener: EventOpener, sealed: string): Promise<EventOpener> {
  const deadline = Date.now() + NEWER_KEYS_WAIT_MS;
  for (;;) {
    const fresh = (await loadSession(target)).opener;
    if (fresh.holdsKeyOf(sealed) || Date.now() >= deadline) return fresh.holdsKeyOf(sealed) ? fresh : opener;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function write(buf: Buffer): Promise<void> {
  return new Promise((resolve) => (process.stdout.write(buf) ? resolve() : process.stdout.once('drain', resolve)));
}
