// `rcd relay` as a process, through the built CLI: it prints where it listens (the real port with --port 0),
// answers, exits 0 on SIGTERM and SIGINT, refuses plain http on a non-loopback address (exit 1) and bad flags
// (exit 2), and leaves no process behind.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, Rcd, isAlive, processesOf, waitFor, within } from '../helpers/harness.js';

interface Running {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const homes: Rcd[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

function home(): Rcd {
  const rcd = new Rcd('rcd-relaycli-');
  homes.push(rcd);
  return rcd;
}

async function startRelayProcess(rcd: Rcd, args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'relay', ...args], { env: rcd.env, cwd: rcd.home, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? (child.exitCode !== null ? Promise.reject(new Error(`exited: ${err}`)) : null), 'the relay to listen');
  return { child, url, stdout: () => out, stderr: () => err, exited };
}

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  const left: number[] = [];
  for (const rcd of homes) {
    await waitFor(() => processesOf(rcd.home).length === 0, 'no process of this home', 5_000).catch(() => left.push(...processesOf(rcd.home)));
    rmSync(rcd.home, { recursive: true, force: true });
  }
  assert.deepEqual(left, [], 'no relay or daemon process left behind');
});

describe('rcd relay (the command)', () => {
  it('listens on the port it prints, answers, and exits 0 on SIGTERM', async () => {
    const rcd = home();
    const data = join(rcd.home, 'data');
    const relay = await startRelayProcess(rcd, ['--port', '0', '--data', data]);
    assert.match(relay.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(relay.url).port, '0');
    assert.equal(relay.stdout().trim().split('\n').length, 1, 'one line on stdout');
    const info = await (await fetch(`${relay.url}/api/info`)).json();
    assert.deepEqual(info, { name: 'rcd-relay', version: '0.1.0', protocol: 2 });
    assert.deepEqual(await (await fetch(`${relay.url}/api/health`)).json(), { ok: true }, 'healthy: it reads its store');
    assert.ok(existsSync(join(data, 'relay.db')) && existsSync(join(data, 'relay.log')));
    // A held long-poll does not hold up the shutdown.
    const reg = (await (await fetch(`${relay.url}/api/daemon/register`, { method: 'POST', body: '{}' })).json()) as { credential: string };
    const held = fetch(`${relay.url}/api/daemon/poll?wait=20000`, { headers: { authorization: `Bearer ${reg.credential}` } }).catch(() => null);
    // Known held from the relay's own status page, not guessed from a delay.
    await waitFor(async () => /long-polls held now<\/td><td>1</.test(await (await fetch(`${relay.url}/`)).text()), 'the relay to hold the poll');
    const t0 = Date.now();
    relay.child.kill('SIGTERM');
    assert.deepEqual(await within(relay.exited, 10_000, 'the relay to exit'), { code: 0, signal: null });
    await held;
    assert.ok(Date.now() - t0 < 5_000);
    assert.equal(relay.stderr(), '');
    assert.ok(!isAlive(relay.child.pid as number));
    assert.deepEqual(processesOf(rcd.home), []);
  });

  it('keeps its data in $RCD_HOME/relay by default and exits 0 on SIGINT', async () => {
    const rcd = home();
    const relay = await startRelayProcess(rcd, ['--port', '0', '--host', 'localhost']);
    assert.match(relay.url, /^http:\/\/localhost:\d+$/);
    assert.ok(existsSync(join(rcd.home, 'relay', 'relay.db')));
    relay.child.kill('SIGINT');
    assert.deepEqual(await within(relay.exited, 10_000, 'the relay to exit'), { code: 0, signal: null });
  });

  it('refuses plain http on a non-loopback address with exit 1 and says how to run behind TLS', async () => {
    const rcd = home();
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      const r = await rcd.run(['relay', '--host', host, '--port', '0', '--data', join(rcd.home, 'd')]);
      assert.equal(r.code, 1, `${host}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /not a loopback address/);
      assert.match(r.stderr, /TLS-terminating proxy/);
      assert.match(r.stderr, /--cert FILE --key FILE/);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    }
    assert.ok(!existsSync(join(rcd.home, 'd')), 'nothing was created');
  });

  it('answers usage errors with exit 2, --help with exit 0, and a busy data directory with exit 1', async () => {
    const rcd = home();
    const badLimits = [['--max-pending', '0'], ['--register-burst', 'x'], ['--max-event-bytes', '99'], ['--trust-proxy=yes'], ['--max-long-polls', '-1'], ['--keep-age', '5'], ['--max-uploads-per-second', '0']];
    for (const args of [['--bogus'], ['--store', 'mysql://x@y/z'], ['--store', 'not a url'], ['--store-connections', '5'], ['--port', '99999'], ['--port', 'abc'], ['--keep-events', '0'], ['--cert', 'c.pem'], ['extra'], ...badLimits]) {
      const r = await rcd.run(['relay', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^rcd: [^\n]+; usage: rcd relay [^\n]*\n$/);
    }
    const help = await rcd.run(['relay', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: rcd relay \[--host H\] \[--port P\] \[--data DIR\]/);
    for (const flag of ['--max-long-polls N', '--register-burst N', '--register-per-hour N', '--trust-proxy', '--max-daemons N', '--max-sessions N', '--max-pending N', '--max-event-bytes N', '--max-connections N', '--keep-bytes N', '--max-uploads-per-second N']) {
      assert.ok(help.stdout.includes(`[${flag}]`), `the usage line names ${flag}`);
      assert.match(help.stdout, new RegExp(`\\n  ${flag} +\\S.*\\(default [^)]+\\)`), `the help explains ${flag} with its default`);
    }
    assert.match((await rcd.run(['--help'])).stdout, /rcd relay/);

    const data = join(rcd.home, 'data');
    const first = await startRelayProcess(rcd, ['--port', '0', '--data', data]);
    const second = await rcd.run(['relay', '--port', '0', '--data', data]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /another rcd relay is using/);
    const port = new URL(first.url).port;
    const taken = await rcd.run(['relay', '--port', port, '--data', join(rcd.home, 'other')]);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /already in use/);
    first.child.kill('SIGTERM');
    assert.equal((await within(first.exited, 10_000, 'the relay to exit')).code, 0);
    assert.deepEqual(processesOf(rcd.home), []);
  });

  it('a PostgreSQL store it cannot reach: exit 1, saying where, never the password', async () => {
    const rcd = home();
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const r = await rcd.run(['relay', '--port', '0', '--data', join(rcd.home, 'd'), '--store', 'postgres://rcd:s3cret-pw@127.0.0.1:1/relaydb']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cannot use the relay store postgres:\/\/127\.0\.0\.1:1\/relaydb: .*ECONNREFUSED/);
    const viaEnv = await rcd.run(['relay', '--port', '0', '--data', join(rcd.home, 'd')], { env: { RCD_RELAY_STORE: 'postgres://rcd:s3cret-pw@127.0.0.1:1/relaydb' } });
    assert.equal(viaEnv.code, 1, viaEnv.stderr);
    assert.match(viaEnv.stderr, /cannot use the relay store postgres:\/\/127\.0\.0\.1:1\/relaydb/);
    const log = readFileSync(join(rcd.home, 'd', 'relay.log'), 'utf8');
    for (const out of [r.stderr, r.stdout, viaEnv.stderr, log]) assert.ok(!out.includes('s3cret-pw'), 'the password is nowhere');
    assert.deepEqual(processesOf(rcd.home), []);
  });
});
