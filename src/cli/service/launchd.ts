// The login service on macOS: a launchd agent in ~/Library/LaunchAgents, driven with `launchctl` in the gui domain.
import { setTimeout as sleep } from 'node:timers/promises';
import { ensurePrivateDir, layout } from '../../common/paths.js';
import { HANDOVER_STEP, type Backend, type ManagerState } from './backend.js';
import { mustRun, tool } from './exec.js';
import { loadPlist, plistProgram, renderLaunchdPlist } from './launchd-plist.js';
import { LAUNCHD_LABEL, type ServiceSpec } from './spec.js';
import { LAUNCHD_TEMPLATE, readTemplate } from './template.js';

// Right after a bootout, launchd may still be tearing the old job down and refuse a bootstrap ("5: Input/output
// error"); it is done within a second or so.
const BOOTSTRAP_TRIES = 5;
const BOOTSTRAP_RETRY_MS = 300;

export function launchdBackend(spec: ServiceSpec): Backend {
  const domain = `gui/${process.getuid?.() ?? 0}`;
  const target = `${domain}/${LAUNCHD_LABEL}`;
  const loaded = () => tool('launchctl', ['print', target]);
  const paths = layout(spec.home);
  return {
    kind: 'launchd',
    name: LAUNCHD_LABEL,
    title: `launchd agent ${LAUNCHD_LABEL}`,
    spec,
    async render() {
      return renderLaunchdPlist(readTemplate(LAUNCHD_TEMPLATE), { label: LAUNCHD_LABEL, ...spec }, await loadPlist());
    },
    unreachable() {
      const r = tool('launchctl', ['print', domain]);
      if (r.ok) return null;
      if (r.missing) return 'launchctl was not found, so this is not macOS (a launchd agent installs only there)';
      return `launchd's ${domain} domain is not reachable (${r.why}); log in at the Mac's screen, not only over ssh, and run it again`;
    },
    reload() {
      // bootstrap refuses a label that is already loaded: unload the old definition (this stops its daemon;
      // AbandonProcessGroup keeps the agents).
      if (loaded().ok) mustRun('launchctl', ['bootout', target]);
    },
    async start() {
      // launchd opens StandardOutPath itself, before rcd runs, and does not create its directory.
      ensurePrivateDir(paths.home);
      ensurePrivateDir(paths.logs);
      // enable first: a label left disabled (`launchctl disable`, or a past uninstall elsewhere) cannot be bootstrapped.
      mustRun('launchctl', ['enable', target]);
      for (let attempt = 1; ; attempt++) {
        const r = tool('launchctl', ['bootstrap', domain, spec.file]);
        if (r.ok) return;
        if (attempt >= BOOTSTRAP_TRIES) mustRun('launchctl', ['bootstrap', domain, spec.file]);
        await sleep(BOOTSTRAP_RETRY_MS);
      }
    },
    stop() {
      if (loaded().ok) mustRun('launchctl', ['bootout', target]);
    },
    forget() {
      // nothing: bootout already unloaded it, and the enable override is harmless (install sets it again)
    },
    state(reachable): ManagerState {
      if (!reachable) return { enabled: null, running: null, pid: null, detail: null };
      const r = loaded();
      const disabled = tool('launchctl', ['print-disabled', domain]);
      // `"label" => disabled` (or `=> true` on older macOS) when disabled; enabled labels may not be listed at all.
      const isDisabled = new RegExp(`"${LAUNCHD_LABEL.replace(/\./g, '\\.')}" => (disabled|true)`).test(disabled.stdout);
      if (!r.ok) return { enabled: !isDisabled, running: false, pid: null, detail: 'not loaded' };
      const state = /^\s*state = (.+)$/m.exec(r.stdout)?.[1]?.trim() ?? null;
      const pid = /^\s*pid = (\d+)$/m.exec(r.stdout)?.[1];
      return { enabled: !isDisabled, running: state === 'running', pid: pid ? Number(pid) : null, detail: state };
    },
    async program(text) {
      try {
        return plistProgram((await loadPlist()).parse(text));
      } catch {
        return null;
      }
    },
    installSteps: [`launchctl bootout ${target} (when loaded)`, HANDOVER_STEP, `launchctl enable ${target}`, `launchctl bootstrap ${domain} ${spec.file}`],
    uninstallSteps: [`launchctl bootout ${target}`],
    logsHint: `${paths.daemonOut} and ${paths.daemonLog}`,
    advice() {
      return ['rcd now starts when you log in (launchd runs agents only while you are logged in)'];
    },
  };
}
