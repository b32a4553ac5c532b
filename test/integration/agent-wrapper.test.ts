// The two agent wrappers (src/daemon/process/wrapper.ts): the compiled one (native/agent-wrapper.c, built by
// `npm run build` into dist/rcd-agent-wrapper on Linux x86-64/arm64) and the sh script. Each is run as the daemon runs
// it, on the same cases, and must leave the same traces: the agent's pid on fd 4 and in agent.pid, the FIFO as the
// agent's stdin, the status (exit code, or 128 + signal) in `exit` and as its own exit code, a script without #!
// run by /bin/sh, and it outlives a TERM to its process group. Then through the daemon: `rcd status --json` names the wrapper, RCD_AGENT_WRAPPER=sh forces
// the script, and a session's exit code is recorded either way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compiledWrapper, shWrapperCommand } from '../../src/daemon/process/wrapper.js';
import { withRcd, waitFor } from '../helpers/harness.js';

interface Outcome { status: number | null; signal: NodeJS.Signals | null; reported: string; pidFile: string | null; exitFile: string | null; output: string }

const BUILT_HERE = process.platform === 'linux' && ['x64', 'arm64'].includes(process.arch);

/** The agent's pid once the wrapper has reported it, and the agent has exec'd `sleep` (before that the reported child
 * may still carry the wrapper's own signal mask). */
async function agentPid(dir: string): Promise<number> {
  const pid = Number(await waitFor(() => (existsSync(join(dir, 'agent.pid')) ? readFileSync(join(dir, 'agent.pid'), 'utf8') : ''), 'the agent'));
  await waitFor(() => readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n', 'the agent to be sleep');
  return pid;
}

/** Runs `command` under a wrapper in a fresh session directory, detached as the daemon does; `during` may act on it. */
async function run(kind: 'compiled' | 'sh', command: string[], during?: (dir: string, wrapperPid: number) => Promise<void> | void): Promise<Outcome> {
  const dir = mkdtempSync(join('/tmp', 'rcd-wrap-'));
  try {
    const binary = compiledWrapper({});
    assert.ok(kind === 'sh' || binary, 'the compiled wrapper is built');
    const [file, args] = kind === 'compiled' ? [binary as string, [dir, ...command]] : shWrapperCommand(dir, command);
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'pipe'] });
    let output = '';
    let reported = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    (child.stdio[4] as NodeJS.ReadableStream).on('data', (c: Buffer) => (reported += c.toString()));
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('close', (code, sig) => r([code, sig])));
    await during?.(dir, child.pid as number);
    const [status, signal] = await closed;
    const read = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : null);
    return { status, signal, reported, pidFile: read('agent.pid'), exitFile: read('exit'), output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const kind of ['compiled', 'sh'] as const) {
  describe(`the ${kind} agent wrapper`, () => {
    it('reports the agent\'s pid on fd 4 and in agent.pid, and records its exit code', async () => {
      const o = await run(kind, ['sh', '-c', 'echo "agent $$"; exit 3']);
      assert.deepEqual([o.status, o.exitFile], [3, '3\n']);
      assert.match(o.reported, /^[1-9]\d*\n$/);
      assert.equal(o.pidFile, o.reported);
      assert.equal(o.output, `agent ${o.reported}`, 'the agent is the process reported, its output goes where the wrapper\'s did');
    });

    it('gives the agent the FIFO as stdin, and passes arguments untouched', async () => {
      const o = await run(kind, ['sh', '-c', 'read line; printf "%s|%s|%s" "$line" "$1" "$2"', 'argv0', 'a b $HOME', '*'], async (dir) => {
        await waitFor(() => existsSync(join(dir, 'stdin')), 'the FIFO');
        writeFileSync(join(dir, 'stdin'), 'hello there\n');
      });
      assert.deepEqual([o.status, o.output], [0, 'hello there|a b $HOME|*']);
    });

    it('runs an executable script without a #! line with /bin/sh, as a shell does', async () => {
      const dir = mkdtempSync(join('/tmp', 'rcd-wrap-script-'));
      try {
        writeFileSync(join(dir, 'plain'), 'printf "plain %s" "$1"\nexit 6\n', { mode: 0o755 });
        const o = await run(kind, [join(dir, 'plain'), 'arg']);
        assert.deepEqual([o.status, o.output], [6, 'plain arg']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(kind === 'compiled'
      ? 'leaves the agent every signal at its default (none ignored, none blocked)'
      : 'leaves the agent TERM and HUP at their defaults (INT and QUIT it ignores: sh runs it as a background job)', async () => {
      // Read from outside while the agent sleeps (a shell reading its own would catch dash blocking every signal
      // around its forks); the daemon starts wrappers with default dispositions, as spawn() does here.
      let status = '';
      await run(kind, ['sleep', '30'], async (dir) => {
        const pid = await agentPid(dir);
        status = readFileSync(`/proc/${pid}/status`, 'utf8');
        process.kill(pid, 'SIGKILL');
      });
      const mask = (name: string) => BigInt(`0x${new RegExp(`^${name}:\\s+([0-9a-f]+)$`, 'm').exec(status)?.[1] ?? 'x'}`);
      const bit = (sig: number) => 1n << BigInt(sig - 1);
      assert.equal(mask('SigBlk') & (bit(1) | bit(2) | bit(15)), 0n, 'HUP, INT and TERM are not blocked in the agent');
      assert.equal(mask('SigIgn') & (bit(1) | bit(15)), 0n, 'HUP and TERM are not ignored');
      assert.equal(mask('SigIgn') & (bit(2) | bit(3)), kind === 'compiled' ? 0n : bit(2) | bit(3));
    });

    it('records a death by signal as 128 + the signal', async () => {
      const o = await run(kind, ['sh', '-c', 'kill -KILL $$']);
      assert.deepEqual([o.status, o.exitFile], [137, '137\n']);
    });

    it('outlives a TERM to its whole group, which ends the agent, and records that', async () => {
      const o = await run(kind, ['sleep', '30'], async (dir, wrapper) => {
        await agentPid(dir);
        process.kill(-wrapper, 'SIGTERM');
      });
      assert.deepEqual([o.status, o.signal, o.exitFile], [143, null, '143\n']);
    });

    it('exits 127 when the command is not found, 126 when the stdin name is taken by something else', async () => {
      const missing = await run(kind, ['rcd-no-such-command-here']);
      assert.deepEqual([missing.status, missing.exitFile], [127, '127\n']);
      assert.match(missing.output, /rcd-no-such-command-here/);
      const dir = mkdtempSync(join('/tmp', 'rcd-wrap-'));
      try {
        writeFileSync(join(dir, 'stdin'), 'not a FIFO');
        const [file, args] = kind === 'compiled' ? [compiledWrapper({}) as string, [dir, 'true']] : shWrapperCommand(dir, ['true']);
        const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'ignore', 'ignore', 'ignore'] });
        const code = await new Promise((r) => child.once('close', r));
        assert.equal(code, 126);
        assert.ok(!existsSync(join(dir, 'agent.pid')), 'nothing was started');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('the daemon\'s agent wrapper', () => {
  it('is the compiled one where it is built, the sh one with RCD_AGENT_WRAPPER=sh; exit codes are recorded by both', async () => {
    assert.equal(Boolean(compiledWrapper({})), BUILT_HERE, 'npm run build compiles the wrapper on Linux x86-64/arm64');
    for (const [env, kind] of [[{}, BUILT_HERE ? 'compiled' : 'sh'], [{ RCD_AGENT_WRAPPER: 'sh' }, 'sh']] as const) {
      await withRcd('rcd-wrapper', async (rcd, work) => {
        Object.assign(rcd.env, env);
        const id = (await rcd.ok(['start', '--cwd', work, '--', 'sh', '-c', 'read x; exit 5'])).trim();
        const doc = JSON.parse(await rcd.ok(['status', '--json'])) as { daemon: { agentWrapper: string } };
        assert.equal(doc.daemon.agentWrapper, kind);
        await rcd.ok(['send', id, 'go']);
        const s = await waitFor(async () => {
          const x = await rcd.session(id);
          return x.state !== 'running' ? x : null;
        }, 'the session to end');
        assert.equal(s.exitCode, 5, `${kind}: ${JSON.stringify(s)}`);
      });
    }
  });
});
