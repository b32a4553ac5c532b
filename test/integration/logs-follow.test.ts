// `rcd logs --follow` streams output as it arrives and ends when the session does; fast output loses nothing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, Rcd, fixture, waitFor, within } from '../helpers/harness.js';

/** `rcd logs ARGS` as a child process: what it printed so far, and its exit status once it ends. */
function logsProcess(rcd: Rcd, args: string[]) {
  const child = spawn(process.execPath, [CLI, 'logs', ...args], { env: rcd.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const closed = new Promise<number | null>((r) => child.on('close', r));
  return { child, out, closed };
}

describe('logs', () => {
  let rcd: Rcd;
  before(() => {
    rcd = new Rcd();
  });
  after(async () => {
    assert.deepEqual(await rcd.teardown(), []);
  });

  it('keeps every line of a fast writer, stdout and stderr interleaved in order', async () => {
    const cwd = join(rcd.home, 'fast');
    mkdirSync(cwd);
    const n = 20000;
    await rcd.ok(['start', '--cwd', cwd, '--name', 'fast', '--', process.execPath, fixture('numbered.mjs'), String(n), 'stderr']);
    await waitFor(async () => (await rcd.session('fast')).state === 'exited', 'the writer to finish');
    const lines = (await rcd.logs('fast')).split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, n);
    lines.forEach((l, i) => assert.equal(l, String(i + 1)));
  });

  it('--follow streams new output and exits when the session ends', async () => {
    const cwd = join(rcd.home, 'follow');
    mkdirSync(cwd);
    await rcd.ok(['start', '--cwd', cwd, '--name', 'follow', '--', process.execPath, fixture('echo.mjs')]);
    const { out, closed } = logsProcess(rcd, ['follow', '--follow']);
    await waitFor(() => out.stdout.includes('ready'), 'the follower to see ready');
    await rcd.ok(['send', 'follow', 'ping']);
    await waitFor(() => out.stdout.includes('echo: ping'), 'the follower to see the echo');
    await rcd.ok(['stop', 'follow']);
    const code = await within(closed, 10_000, 'rcd logs --follow to end');
    assert.equal(code, 0, 'logs --follow ends with status 0 when the session ends');
    assert.equal(out.stdout, 'ready\necho: ping\n');
  });

  it('a reader that stops early (`rcd logs S | head -1`) ends it quietly with status 0', async () => {
    // The 'fast' session above wrote 20000 lines: far more than one pipe buffer.
    const { child, out, closed } = logsProcess(rcd, ['fast']);
    child.stdout.once('data', () => child.stdout.destroy()); // like head: read a little, then close the pipe
    assert.equal(await within(closed, 15_000, 'rcd logs to end'), 0);
    assert.equal(out.stderr, '');
  });

  it('--follow says in one line that the daemon went away (and the agent did not) when the daemon stops', async () => {
    const cwd = join(rcd.home, 'gone');
    mkdirSync(cwd);
    await rcd.ok(['start', '--cwd', cwd, '--name', 'gone', '--', process.execPath, fixture('echo.mjs')]);
    const { out, closed } = logsProcess(rcd, ['gone', '-f']);
    await waitFor(() => out.stdout.includes('ready'), 'the follower to see ready');
    await rcd.ok(['shutdown']);
    assert.equal(await within(closed, 15_000, 'rcd logs -f to end'), 1);
    assert.match(out.stderr, /^rcd: the daemon went away while sending the output \(.+\); the agent keeps running: run `rcd logs gone -f` again\n$/);
    assert.equal((await rcd.session('gone')).state, 'running', 'the agent kept running (a new daemon re-adopted it)');
    await rcd.ok(['stop', 'gone']);
  });

  it('keeps everything when the output file is truncated behind its back, and reads on from the new end', async () => {
    const cwd = join(rcd.home, 'trunc');
    mkdirSync(cwd);
    const id = (await rcd.ok(['start', '--cwd', cwd, '--name', 'trunc', '--', process.execPath, fixture('echo.mjs')])).trim();
    await rcd.ok(['send', 'trunc', 'before']);
    await waitFor(async () => (await rcd.logs('trunc')).includes('echo: before'), 'the first echo');
    truncateSync(join(rcd.home, 'sessions', id, 'output'), 0);
    await rcd.ok(['send', 'trunc', 'after']);
    await waitFor(async () => (await rcd.logs('trunc')).includes('echo: after'), 'the echo after truncation');
    assert.equal(await rcd.logs('trunc'), 'ready\necho: before\necho: after\n');
    await rcd.ok(['stop', 'trunc']);
  });
});
