// Facts about processes that the supervisor needs and Node does not offer: liveness, a start time that
// tells a pid's current owner from an earlier one, and the tree of descendants.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { errnoCode } from '../../common/errors.js';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the pid exists but belongs to someone else; it is alive, just not ours to signal.
    return errnoCode(err) === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * A zombie has ended and only waits for its parent to collect its status. Processes re-parented to an init that
 * does not reap (a container's PID 1) stay zombies for good; they must count as gone, or a stop would wait on them.
 */
function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'Z';
  } catch {
    return false;
  }
}

let bootId: string | undefined;
function linuxBootId(): string {
  bootId ??= readFileSync(process.env.RCD_BOOT_ID_PATH || '/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return bootId;
}

/**
 * The boot this machine is in; differs after a reboot. RCD_BOOT_ID_PATH names another file to read it from, so
 * tests can stage a reboot without one.
 */
export function currentBootId(): string {
  if (process.platform === 'linux' || process.env.RCD_BOOT_ID_PATH) return linuxBootId();
  try {
    return execFileSync('sysctl', ['-n', 'kern.boottime'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * An identity for (pid, start): "<boot id>:<start>" so a pid reused by another process, in this boot or
 * after a reboot, never matches the recorded one. Null when the process does not exist.
 */
export function processStartId(pid: number): string | null {
  if (process.platform === 'linux') {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return null;
    }
    // comm (field 2) may hold spaces and parentheses: split after the last ')'. starttime is field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    return start === undefined ? null : `${linuxBootId()}:${start}`;
  }
  try {
    const lstart = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return lstart ? `${currentBootId()}:${lstart}` : null;
  } catch {
    return null;
  }
}

/** The process group of a live process (the wrapper's, for an agent: it is the group leader), or null. */
export function processGroupOf(pid: number): number | null {
  try {
    if (process.platform === 'linux') {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      return Number.isInteger(pgrp) && pgrp > 1 ? pgrp : null;
    }
    const pgid = Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    return Number.isInteger(pgid) && pgid > 1 ? pgid : null;
  } catch {
    return null;
  }
}

/** pid -> parent pid for every process we can see. */
function parentTable(): Map<number, number> {
  const table = new Map<number, number>();
  if (process.platform === 'linux') {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        table.set(Number(entry), ppid);
      } catch {
        // The process ended while we looked; it has no descendants to find.
      }
    }
    return table;
  }
  const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid !== undefined) table.set(pid, ppid);
  }
  return table;
}

/** Every live descendant of `root` (not including it), found by walking parent links. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parentTable()) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Every process (that we may read) whose environment holds NAME=VALUE. Tools that detach (setsid, then their
 * parent exits: Claude Code's Bash tool does this for background jobs) are re-parented to init and leave the
 * session's process tree, but they keep its environment. Linux: /proc/<pid>/environ; macOS: `ps -E`.
 */
export function processesWithEnv(name: string, value: string): number[] {
  if (process.platform === 'darwin') return darwinProcessesWithEnv(name, value);
  if (process.platform !== 'linux') return [];
  const first = Buffer.from(`${name}=${value}\0`);
  const later = Buffer.from(`\0${name}=${value}\0`);
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`);
      // A whole variable: the first one, or one right after a NUL (so X_NAME=value never matches).
      if (environ.subarray(0, first.length).equals(first) || environ.includes(later)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function darwinProcessesWithEnv(name: string, value: string): number[] {
  let out: string;
  try {
    // -E appends each process's environment to its command line (only for our own processes); -ww: no truncation.
    out = execFileSync('ps', ['-E', '-ww', '-U', String(process.getuid?.() ?? ''), '-o', 'pid=,command='], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return [];
  }
  return psLinesWithEnv(out, name, value).filter((pid) => pid !== process.pid);
}

/**
 * The pids of `ps -E -o pid=,command=` lines that carry NAME=VALUE as a whole word. The environment follows the
 * arguments, separated by spaces, so this is a word match: the value is a random session id, which nothing else
 * spells out by chance.
 */
export function psLinesWithEnv(psOutput: string, name: string, value: string): number[] {
  const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const word = new RegExp(`(?:^|\\s)${escape(name)}=${escape(value)}(?:\\s|$)`);
  const found: number[] = [];
  for (const line of psOutput.split('\n')) {
    const m = /^\s*(\d+)\s(.*)$/.exec(line);
    if (m && word.test(m[2] as string)) found.push(Number(m[1]));
  }
  return found;
}

/** Sends a signal, ignoring a target that is already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  // 0, 1, -1 and their groups mean "us", "init" or "everyone": never a target, whatever a bad record says.
  if (!Number.isInteger(pid) || Math.abs(pid) <= 1) throw new Error(`refusing to signal pid ${pid}`);
  try {
    process.kill(pid, sig);
  } catch (err) {
    if (errnoCode(err) !== 'ESRCH') throw err;
  }
}
