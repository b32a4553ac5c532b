// A session's life through the real CLI and daemon: start, status, send, logs, exit codes, stop, rm.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DAEMON_NODE_FLAGS, daemonTunables } from '../../src/common/daemon-flags.js';
import { Rcd, fixture, isAlive, waitFor } from '../helpers/harness.js';

function stat(pid: number): string[] {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}
const ppid = (pid: number) => Number(stat(pid)[1]);
const sid = (pid: number) => Number(stat(pid)[3]);
const ttyNr = (pid: number) => Number(stat(pid)[4]);

describe('session lifecycle', () => {
  let rcd: Rcd;
  const dir = (name: string) => {
    const d = join(rcd.home, 'work', name);
    mkdirSync(d, { recursive: true });
    return d;
  };

  before(() => {
    rcd = new Rcd();
  });
  after(async () => {
    assert.deepEqual(await rcd.teardown(), [], 'no process of this RCD_HOME may be left running');
  });

  it('starts an agent as the daemon\'s descendant, in its own session, with no terminal', async () => {
    const id = (await rcd.ok(['start', '--cwd', dir('echo'), '--name', 'echo', '--', process.execPath, fixture('echo.mjs')])).trim();
    assert.match(id, /^[0-9a-f]{16}$/, 'start prints only the id');
    const s = await rcd.session('echo');
    assert.equal(s.state, 'running');
    assert.equal(s.id, id);
    assert.equal(s.cwd, join(rcd.home, 'work', 'echo'));
    const pid = s.pid as number;
    assert.ok(isAlive(pid));
    const daemon = rcd.daemonPid() as number;
    assert.equal(ppid(ppid(pid)), daemon, 'the agent\'s wrapper is a child of the daemon, not of the CLI');
    assert.equal(ttyNr(pid), 0, 'no controlling terminal');
    assert.notEqual(sid(pid), sid(daemon), 'its own session');
    await waitFor(async () => (await rcd.logs('echo')).includes('ready'), 'the agent to print ready');
  });

  it('runs the auto-started daemon with its node flags and malloc tunables, which its agents do not get', async () => {
    const daemon = rcd.daemonPid() as number;
    const argv = readFileSync(`/proc/${daemon}/cmdline`, 'utf8').split('\0');
    assert.deepEqual(argv.slice(1, 1 + DAEMON_NODE_FLAGS.length), [...DAEMON_NODE_FLAGS], argv.join(' '));
    const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    // glibc rewrites the environment block /proc shows once it has read its tunables (here it kept the first), so
    // this checks that the daemon was given some, all of them ours; process.env inside it holds the whole string.
    const given = environ(daemon).find((v) => v.startsWith('GLIBC_TUNABLES='))?.slice('GLIBC_TUNABLES='.length).split(':') ?? [];
    const ours = daemonTunables(process.env.GLIBC_TUNABLES).split(':');
    assert.ok(given.length > 0 && given.every((t) => ours.includes(t)), `the daemon runs with them: ${given.join(':')}`);
    const agent = (await rcd.session('echo')).pid as number;
    assert.equal(environ(agent).some((v) => v.startsWith('GLIBC_TUNABLES=')), process.env.GLIBC_TUNABLES !== undefined, 'its agent gets the session\'s environment');
  });

  it('delivers sent text as lines on stdin and returns the output in order', async () => {
    await rcd.ok(['send', 'echo', 'hello']);
    await rcd.ok(['send', 'echo', 'two\nlines']);
    await rcd.ok(['send', 'echo', '--', '-5 is not --help']); // text that starts with a dash goes after --
    await waitFor(async () => (await rcd.logs('echo')).includes('echo: -5 is not --help'), 'the echoes');
    assert.equal(await rcd.logs('echo'), 'ready\necho: hello\necho: two\necho: lines\necho: -5 is not --help\n');
  });

  it('stores output byte-exact, binary included', async () => {
    await rcd.ok(['start', '--cwd', dir('bytes'), '--name', 'bytes', '--', process.execPath, fixture('bytes.mjs')]);
    await waitFor(async () => (await rcd.session('bytes')).state === 'exited', 'bytes.mjs to exit');
    const res = await rcd.run(['logs', 'bytes']);
    const expected = Buffer.concat([Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256)), Buffer.from('\nend\n')]);
    assert.ok(res.raw.equals(expected), 'rcd logs gives back exactly the bytes the agent wrote');
  });

  it('records the exit code of an agent that ends on its own, and a signal', async () => {
    await rcd.ok(['start', '--cwd', dir('exit3'), '--name', 'exit3', '--', process.execPath, fixture('exit-with.mjs'), '3']);
    const s = await waitFor(async () => {
      const x = await rcd.session('exit3');
      return x.state === 'exited' ? x : null;
    }, 'exit3 to exit');
    assert.equal(s.exitCode, 3);
    assert.equal(s.signal, null);
    assert.equal(s.pid, null);

    await rcd.ok(['start', '--cwd', dir('killed'), '--name', 'killed', '--', process.execPath, fixture('forever.mjs')]);
    const pid = (await rcd.session('killed')).pid as number;
    process.kill(pid, 'SIGKILL');
    const k = await waitFor(async () => {
      const x = await rcd.session('killed');
      return x.state === 'exited' ? x : null;
    }, 'killed to be recorded');
    assert.equal(k.signal, 'SIGKILL');
    assert.equal(k.exitCode, null);
  });

  it('stop ends the agent and frees its directory; rm forgets the session', async () => {
    const s = await rcd.session('echo');
    const out = await rcd.ok(['stop', 'echo']);
    assert.match(out, /stopped echo/);
    assert.ok(!isAlive(s.pid as number), 'stop returns after the agent is gone');
    assert.equal((await rcd.session('echo')).state, 'stopped');
    // the directory is free again
    await rcd.ok(['start', '--cwd', s.cwd, '--name', 'echo2', '--', process.execPath, fixture('echo.mjs')]);
    await rcd.ok(['stop', 'echo2']);
    const removed = await rcd.ok(['rm', 'echo']);
    assert.match(removed, /removed echo/);
    const after = await rcd.run(['status', 'echo', '--json']);
    assert.equal(after.code, 1);
    assert.match(after.stderr, /no session "echo"/);
  });

  it('reports a missing binary as a failed session with the reason, exit 1', async () => {
    const r = await rcd.run(['start', '--cwd', dir('missing'), '--name', 'missing', '--', 'no-such-binary-here']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /command not found: no-such-binary-here/);
    const s = await rcd.session('missing');
    assert.equal(s.state, 'failed');
    assert.match(s.reason ?? '', /command not found/);
  });
});
