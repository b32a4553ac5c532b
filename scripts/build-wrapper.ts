// Builds native/agent-wrapper.c into dist/rcd-agent-wrapper, as `npm run build` runs it: the compiled twin of the
// sh wrapper every agent runs under (src/daemon/process/agent-process.ts), ~8 KB of memory per session instead of
// ~115 KB (docs/benchmarks.md, "Idle footprint"). Linux on x86-64 and arm64 only, with the C compiler that
// better-sqlite3's build needs anyway (`cc`, or $CC).
//
// Optional by design: where it cannot be built (another OS or architecture, no compiler), or the result fails its
// self-test below, no binary is written, a note is printed, and the daemon runs the sh wrapper as before. The
// binary is written under a temporary name and renamed into place, so wrappers of running agents (an upgrade
// while sessions run) keep their old file.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOURCE = 'native/agent-wrapper.c';
const OUT = 'dist/rcd-agent-wrapper';
const FLAGS = [
  '-Os', '-static', '-nostdlib', '-no-pie', '-fno-pie', '-ffreestanding', '-fno-builtin', '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables', '-fno-tree-loop-distribute-patterns', '-Wall', '-Wextra', '-Werror',
  '-Wl,--build-id=none', '-Wl,-z,noexecstack', '-s',
];

const note = (msg: string) => process.stderr.write(`build-wrapper: ${msg}; agents run under the sh wrapper instead\n`);

/** Runs the wrapper as the daemon does and checks what it leaves: the pid on fd 4 and in agent.pid, stdin, exit. */
function selfTest(binary: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'rcd-wrapper-test-'));
  try {
    const agent = 'read line; [ "$line" = ping ] || exit 9; kill -TERM $PPID; exit 7';
    // The shell writes "ping" into the FIFO the wrapper makes (and gives the agent), after the wrapper has made it.
    const script = `"$0" "$1" sh -c '${agent}' 4>"$1/fd4" & w=$!; ` +
      'i=0; while [ ! -p "$1/stdin" ] && [ $i -lt 200 ]; do sleep 0.01; i=$((i+1)); done; echo ping > "$1/stdin"; wait $w';
    const r = spawnSync('sh', ['-c', script, binary, dir], { encoding: 'utf8', timeout: 10_000 });
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    // The agent sent TERM to its parent, the wrapper: the wrapper must outlive it and report the agent's 7.
    if (r.status !== 7) return `exit status ${r.status ?? r.signal} (expected 7): ${r.stderr.trim()}`;
    if (read('exit') !== '7\n') return `exit file ${JSON.stringify(read('exit'))}`;
    const pid = read('agent.pid');
    if (!/^[1-9][0-9]*\n$/.test(pid) || read('fd4') !== pid) return `pid report ${JSON.stringify(read('fd4'))} / ${JSON.stringify(pid)}`;
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    note(`nothing to build on ${process.platform}/${process.arch}`);
    return;
  }
  const cc = process.env.CC || 'cc';
  const tmp = `${OUT}.${process.pid}.tmp`;
  const r = spawnSync(cc, [...FLAGS, '-o', tmp, SOURCE], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    rmSync(tmp, { force: true });
    note(`${cc} could not build ${SOURCE}: ${r.error?.message ?? r.stderr.trim().split('\n').slice(0, 3).join(' / ')}`);
    return;
  }
  chmodSync(tmp, 0o755);
  const failed = selfTest(tmp);
  if (failed) {
    rmSync(tmp, { force: true });
    rmSync(OUT, { force: true });
    note(`the built wrapper failed its self-test (${failed})`);
    return;
  }
  renameSync(tmp, OUT);
}

main();
