// Human-readable renderings of status. Machine-readable output is --json, never this.
import type { DaemonInfo } from '../protocol/api.js';
import type { SessionView } from '../protocol/session.js';
import { sanitizeLine } from '../common/terminal.js';

function age(iso: string | null, now: number): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d`;
}

function stateText(s: SessionView): string {
  if (s.pendingApprovals > 0) return `${s.state}, ${s.pendingApprovals} approval${s.pendingApprovals === 1 ? '' : 's'} waiting`;
  if (s.state === 'exited' || s.state === 'stopped') {
    if (s.signal) return `${s.state} (${s.signal})`;
    if (s.exitCode !== null) return `${s.state} (${s.exitCode})`;
  }
  return s.state;
}

/** Columns padded to line up. Cells are sanitized one-line (a cwd or a name may hold any byte but NUL and /). */
export function table(raw: string[][]): string {
  const rows = raw.map((r) => r.map(sanitizeLine));
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

export function renderStatus(daemon: DaemonInfo, sessions: SessionView[], now = Date.now()): string {
  const link = daemon.link.state === 'off' ? 'relay link off' : `relay ${daemon.link.state}`;
  const head = `rcd ${daemon.version} · daemon pid ${daemon.pid} · up ${age(daemon.startedAt, now)} · ${link}`;
  const warn = [daemon.configError, ...daemon.warnings].filter(Boolean).map((w) => `\nwarning: ${sanitizeLine(w ?? '')}`).join('');
  if (sessions.length === 0) return `${head}${warn}\nno sessions; start one with: rcd start -- CMD ARGS...`;
  const rows = [['ID', 'NAME', 'AGENT', 'STATE', 'PID', 'RESTARTS', 'UPTIME', 'CWD']];
  for (const s of sessions) {
    rows.push([
      s.id.slice(0, 8), s.name, s.agent, stateText(s), s.pid === null ? '-' : String(s.pid), String(s.restarts),
      s.state === 'running' ? age(s.startedAt, now) : '-', s.cwd,
    ]);
  }
  const reasons = sessions
    .filter((s) => s.reason && (s.state === 'failed' || s.state === 'restarting'))
    .map((s) => `${sanitizeLine(s.name)}: ${sanitizeLine(s.reason ?? '')}`);
  return [head + warn, table(rows), ...reasons].join('\n');
}
