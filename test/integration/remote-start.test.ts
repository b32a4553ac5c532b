// `rcd remote start DEVICE_URL --cwd DIR` end to end with a real daemon and relay on 127.0.0.1: off until config.json
// remoteStartRoots allows it; then a session starts inside a root (with the environment of the newest local start
// under it, in a worktree too), and nothing starts outside one, through a symlink leading out, with `..`, in a
// directory that does not exist, or with a view-only device URL. Every start and refusal is in the audit trail, and
// the relay holds neither the directory nor the command in the clear.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../helpers/harness.js';
import { RelayProcess } from '../helpers/relay.js';
import type { AuditEntry } from '../../src/protocol/api.js';
import { apiBase, parseRemoteUrl } from '../../src/e2e/url.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } }).trim();

describe('rcd remote start', () => {
  let rcd: Rcd;
  let relay: RelayProcess | undefined;
  let device = '';
  let root = '';
  let outside = '';
  // A command that prints one variable of its environment and stays up.
  const printsMarker = ['--', process.execPath, '-e', 'console.log("marker=" + process.env.RCD_TEST_MARKER); setInterval(() => {}, 1000)'];

  const remoteStart = (args: string[]) => rcd.run(['remote', 'start', device, ...args]);
  const names = async () => (await rcd.status()).sessions.map((s) => s.name).sort();

  before(async () => {
    rcd = new Rcd('rcd-rstart-');
    relay = await RelayProcess.start(rcd.home, rcd.env);
    rcd.env.RCD_RELAY_URL = relay.url;
    root = rcd.workdir('projects');
    outside = rcd.workdir('elsewhere');
    mkdirSync(join(root, 'app'));
    mkdirSync(join(root, 'local-app'));
    symlinkSync(outside, join(root, 'escape'));
    await rcd.ok(['start', '--cwd', rcd.workdir('first'), '--name', 'first', '--', process.execPath, fixture('echo.mjs')]);
    await waitFor(async () => (await rcd.status()).daemon.link.state === 'connected', 'the link to connect');
    device = (await rcd.ok(['url', '--device'])).trim();
  });
  after(async () => {
    try {
      await relay?.stop();
    } finally {
      assert.deepEqual(await rcd.teardown(), []);
    }
  });

  it('is off until remoteStartRoots allows it, and says how to allow it', async () => {
    const r = await remoteStart(['--cwd', join(root, 'app'), '--name', 'too-early', ...printsMarker]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /remote start is off on this machine.*remoteStartRoots/);
    assert.deepEqual(await names(), ['first']);
  });

  it('starts a session under a root, with the environment of the newest local start under it', async () => {
    rcd.writeConfig({ remoteStartRoots: [root] });
    // The local start whose environment a remote start under this root takes.
    await rcd.ok(['start', '--cwd', join(root, 'local-app'), '--name', 'local-one', '--', process.execPath, fixture('echo.mjs')], { env: { ...rcd.env, RCD_TEST_MARKER: 'from-the-local-shell' } });
    // The daemon re-reads config.json when it changes: until then the start is refused as off.
    let out = '';
    await waitFor(async () => {
      const r = await remoteStart(['--cwd', join(root, 'app'), '--name', 'from-phone', '--json', ...printsMarker]);
      out = r.stdout;
      return r.code === 0;
    }, 'a remote start under the root to be taken once the config is reloaded');
    const result = JSON.parse(out) as { ok: boolean; session: { name: string; cwd: string }; environment: string };
    assert.equal(result.ok, true);
    assert.deepEqual([result.session.name, result.session.cwd], ['from-phone', join(root, 'app')]);
    assert.match(result.environment, /session local-one/);
    await waitFor(async () => (await rcd.logs('from-phone')).includes('marker=from-the-local-shell'), 'the agent to see the local shell\'s environment');
    // Listed through the device URL like any other session.
    const listed = async () => (JSON.parse(await rcd.ok(['remote', 'status', device, '--json'])) as { sessions: { name: string }[] }).sessions;
    await waitFor(async () => (await listed()).some((s) => s.name === 'from-phone'), 'the new session on the device list');
  });

  it('refuses outside the roots, through a symlink leading out, with "..", and where no directory is, starting nothing', async () => {
    const before = await names();
    const cases: [string, RegExp][] = [
      [outside, /not under any directory this machine allows/],
      [join(root, 'escape'), /not under any directory this machine allows remote starts in once its symlinks are followed/],
      [`${root}/app/../../elsewhere`, /contains "\.\."/],
      [`${root}/app/../app`, /contains "\.\."/],
      [join(root, 'not-there'), /not a directory on this machine/],
    ];
    for (const [cwd, why] of cases) {
      const r = await remoteStart(['--cwd', cwd, ...printsMarker]);
      assert.equal(r.code, 1, `${cwd}: ${r.stdout}`);
      assert.match(r.stderr, why, cwd);
    }
    assert.deepEqual(await names(), before, 'no session was made');
    assert.equal(existsSync(join(root, 'not-there')), false, 'no directory was made');
    assert.deepEqual(readdirSync(outside), [], 'nothing was written outside the root');
  });

  it('lists the roots and, under them, directories a start would take (not a symlink leading out)', async () => {
    assert.equal((await rcd.ok(['remote', 'dirs', device])).trim(), root);
    const listed = JSON.parse(await rcd.ok(['remote', 'dirs', device, root, '--json'])) as { path: string; dirs: string[] };
    assert.deepEqual([listed.path, listed.dirs], [root, ['app', 'local-app']]);
    const out = await rcd.run(['remote', 'dirs', device, outside]);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /not under any directory this machine allows/);
  });

  it('starts in a new worktree of a repository under a root', async () => {
    const repo = join(root, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'start');
    const out = await rcd.ok(['remote', 'start', device, '--cwd', repo, '--name', 'wt-phone', '--worktree', ...printsMarker]);
    assert.match(out, /started wt-phone \([0-9a-f]{16}\) in .* on branch rcd\/wt-phone/);
    const s = (await rcd.session('wt-phone')) as unknown as { cwd: string; worktree: { branch: string } | null };
    assert.equal(s.worktree?.branch, 'rcd/wt-phone');
    assert.equal(git(s.cwd, 'rev-parse', '--abbrev-ref', 'HEAD'), 'rcd/wt-phone');
  });

  it('refuses a view-only device URL, on the client and at the relay', async () => {
    const view = (await rcd.ok(['url', '--device', '--view'])).trim();
    const r = await rcd.run(['remote', 'start', view, '--cwd', join(root, 'app'), ...printsMarker]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /view-only device URL/);
    // The relay refuses it too (a client that does not check): the view credential opens no steering endpoint.
    const res = await fetch(`${await apiBase(parseRemoteUrl(view))}/instructions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 403);
  });

  it('puts every start and every refusal in the audit trail, and the relay never holds the directory in the clear', async () => {
    const audit = JSON.parse(await rcd.ok(['approvals', '--audit', '--json'])) as AuditEntry[];
    const starts = audit.filter((e) => e.kind === 'start');
    assert.deepEqual(starts.filter((e) => e.action === 'started').map((e) => (JSON.parse(e.detail ?? '{}') as { session: string }).session).sort(), ['from-phone', 'wt-phone']);
    assert.ok(starts.every((e) => e.actor === 'remote'));
    const refused = starts.filter((e) => e.action === 'refused').map((e) => JSON.parse(e.detail ?? '{}') as { cwd: string; error: string });
    assert.ok(refused.some((e) => e.cwd === outside && /not under/.test(e.error)), 'a refusal says where and why');
    assert.ok(refused.some((e) => /remote start is off/.test(e.error)));
    // The relay's files: no directory name, command or marker in the clear.
    const dir = relay?.dataDir as string;
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f)).toString('latin1');
      for (const secret of ['local-app', 'elsewhere', 'RCD_TEST_MARKER', 'from-phone']) assert.ok(!bytes.includes(secret), `${f} holds ${secret}`);
    }
  });
});
