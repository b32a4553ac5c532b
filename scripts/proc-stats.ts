// Reading a process's figures from /proc (Linux), for the benchmarks: its stat fields, CPU ticks, RSS and PSS.
import { readFileSync } from 'node:fs';

/** /proc/<pid>/stat after the command name: [0] is field 3 (state), so field n is [n - 3]. */
export function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

export const ppid = (pid: number): number => Number(statFields(pid)[1]);
/** utime + stime, in clock ticks (10 ms). */
export const cpuTicks = (pid: number): number => Number(statFields(pid)[11]) + Number(statFields(pid)[12]);

function kB(file: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
  return m ? Number(m[1]) : 0;
}

export const rssKB = (pid: number): number => kB(`/proc/${pid}/status`, 'VmRSS');
export const pssKB = (pid: number): number => kB(`/proc/${pid}/smaps_rollup`, 'Pss');
