// The login service on Linux: a systemd user unit, driven with `systemctl --user`.
import { existsSync, lstatSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { HANDOVER_STEP, type Backend, type ManagerState } from './backend.js';
import { mustRun, tool } from './exec.js';
import { SYSTEMD_UNIT, type ServiceSpec } from './spec.js';
import { parseSystemdVersion, renderSystemdUnit, unitExecStart } from './systemd-unit.js';
import { SYSTEMD_TEMPLATE, readTemplate } from './template.js';

const systemctl = (...args: string[]) => mustRun('systemctl', ['--user', ...args]);

/** The installed systemd's version, or null (not installed: --dry-run on another OS). */
export function installedSystemdVersion(): number | null {
  const r = tool('systemctl', ['--version']);
  return r.ok ? parseSystemdVersion(r.stdout) : null;
}

/** `systemctl show` prints key=value lines. */
function properties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function lingering(): boolean {
  // logind keeps one file per lingering user here; reading it needs no bus.
  return existsSync(join('/var/lib/systemd/linger', userInfo().username));
}

export function systemdBackend(spec: ServiceSpec): Backend {
  // What `systemctl enable` creates for WantedBy=default.target: tells "enabled" even without a reachable manager.
  const wantsLink = join(dirname(spec.file), 'default.target.wants', SYSTEMD_UNIT);
  return {
    kind: 'systemd',
    name: SYSTEMD_UNIT,
    title: `systemd user unit ${SYSTEMD_UNIT}`,
    spec,
    async render() {
      return renderSystemdUnit(readTemplate(SYSTEMD_TEMPLATE), {
        node: spec.node,
        nodeFlags: spec.nodeFlags,
        cli: spec.cli,
        env: spec.env,
        systemdVersion: installedSystemdVersion(),
      });
    },
    unreachable() {
      // show-environment needs the user manager itself (not just a bus): exit 0 only when it answers.
      const r = tool('systemctl', ['--user', 'show-environment']);
      if (r.ok) return null;
      if (r.missing) return 'systemctl was not found, so this system does not run systemd';
      return `the systemd user manager is not reachable (${r.why}), as in containers and CI`;
    },
    reload() {
      systemctl('daemon-reload');
    },
    async start() {
      systemctl('enable', SYSTEMD_UNIT);
      // restart, not start: on a refresh (upgrade) a still-active old daemon must make way for the new unit.
      systemctl('restart', SYSTEMD_UNIT);
    },
    stop() {
      systemctl('disable', '--now', SYSTEMD_UNIT);
    },
    forget() {
      systemctl('daemon-reload');
      tool('systemctl', ['--user', 'reset-failed', SYSTEMD_UNIT]); // a remembered failure; none is fine too
    },
    state(reachable): ManagerState {
      if (!reachable) {
        let enabled = false;
        try {
          enabled = lstatSync(wantsLink).isSymbolicLink();
        } catch {
          // no link: not enabled
        }
        return { enabled, running: null, pid: null, detail: null };
      }
      const r = tool('systemctl', ['--user', 'show', SYSTEMD_UNIT, '--property=LoadState,ActiveState,SubState,MainPID,UnitFileState']);
      const p = properties(r.stdout);
      const pid = Number(p.MainPID ?? 0);
      return {
        enabled: (p.UnitFileState ?? '').startsWith('enabled'),
        running: p.ActiveState === 'active',
        pid: pid > 0 ? pid : null,
        detail: p.LoadState === 'not-found' ? 'not loaded' : `${p.ActiveState ?? 'unknown'} (${p.SubState ?? 'unknown'})`,
      };
    },
    async program(text) {
      return unitExecStart(text);
    },
    installSteps: ['systemctl --user daemon-reload', HANDOVER_STEP, `systemctl --user enable ${SYSTEMD_UNIT}`, `systemctl --user restart ${SYSTEMD_UNIT}`],
    uninstallSteps: [`systemctl --user disable --now ${SYSTEMD_UNIT}`, 'systemctl --user daemon-reload'],
    logsHint: `journalctl --user -u rcd, and ${join(spec.home, 'logs', 'daemon.log')}`,
    advice() {
      const user = userInfo().username;
      if (lingering()) return [`linger is on for ${user}: rcd starts at boot and keeps running while you are logged out`];
      return [
        `rcd now starts when you log in and stops when your last session ends; to start it at boot and keep it (and your agents) running while you are logged out: loginctl enable-linger ${user}`,
      ];
    },
  };
}
