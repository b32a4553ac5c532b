// rcd service: the generated unit passes systemd-analyze verify, the plist parses back with its keys, --dry-run
// writes nothing, install without a reachable service manager fails cleanly, and (with stand-in systemctl and
// launchctl on PATH, never the real user's manager) install hands the daemon over without losing an agent.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { parse as parsePlist } from 'plist';
import { DAEMON_NODE_FLAGS, daemonTunables } from '../../src/common/daemon-flags.js';
import { CLI, Rcd, fixture, isAlive, waitFor, type RunResult } from '../helpers/harness.js';

/** The daemon's node flags as ExecStart= words (none of them needs escaping). */
const FLAG_WORDS = DAEMON_NODE_FLAGS.map((f) => `"${f}"`).join(' ');

interface Sandbox {
  rcd: Rcd;
  /** Temp dirs standing in for the user's HOME, XDG_CONFIG_HOME and XDG_RUNTIME_DIR. */
  home: string;
  config: string;
  runtime: string;
  /** Environment for every run: nothing points at the real user's files or service manager. */
  env: NodeJS.ProcessEnv;
  run(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult>;
}

async function withSandbox(fn: (s: Sandbox) => Promise<void>): Promise<void> {
  const rcd = new Rcd('rcd-svc-');
  const base = mkdtempSync(join(tmpdir(), 'rcd-svc-user-'));
  const [home, config, runtime] = ['home', 'config', 'runtime'].map((d) => join(base, d)) as [string, string, string];
  for (const d of [home, config, runtime]) mkdirSync(d, { mode: 0o700 });
  // No bus and no private socket here: even on a desktop with a user manager, systemctl --user cannot reach it.
  const env = { HOME: home, XDG_CONFIG_HOME: config, XDG_RUNTIME_DIR: runtime, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(runtime, 'no-bus')}` };
  const s: Sandbox = { rcd, home, config, runtime, env, run: (args, more) => rcd.run(args, { env: { ...env, ...more } }) };
  try {
    await fn(s);
  } finally {
    try {
      assert.deepEqual(await rcd.teardown(), [], 'no process of this home is left');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }
}

function ls(dir: string): string[] {
  return readdirSync(dir, { recursive: true }) as string[];
}

function assertOneLineError(r: RunResult, what: string): void {
  assert.equal(r.code, 1, `${what}: exit ${r.code}, stderr ${r.stderr}`);
  assert.equal(r.stdout, '', `${what}: stdout stays empty`);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${what}: one line, got ${JSON.stringify(r.stderr)}`);
}

describe('rcd service --dry-run', () => {
  it('the systemd unit passes `systemd-analyze verify --user` without a single warning', () =>
    withSandbox(async (s) => {
      const r = await s.run(['service', 'install', '--dry-run', '--platform', 'linux']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.includes(`\nExecStart="${process.execPath}" ${FLAG_WORDS} "${CLI}" daemon\n`), r.stdout);
      assert.doesNotMatch(r.stdout, /NODE_OPTIONS/);
      assert.match(r.stdout, /^KillMode=process$/m);
      assert.ok(r.stdout.includes(`"${CLI}"`), 'ExecStart runs this CLI by its absolute path');
      assert.ok(r.stdout.includes(`"${process.execPath}"`), 'ExecStart runs this node by its absolute path');
      assert.ok(r.stdout.includes(`Environment="RCD_HOME=${s.rcd.home}"`), r.stdout);
      // glibc's malloc tuned for the daemon, in its own environment only (src/common/daemon-flags.ts)
      assert.ok(r.stdout.includes(`Environment="GLIBC_TUNABLES=${daemonTunables(undefined)}"`), r.stdout);

      const which = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
      if (which.status !== 0) {
        // Expected wherever this runs on Linux (CI included): a missing tool is a failure, never a silent pass.
        assert.notEqual(process.platform, 'linux', 'systemd-analyze must be installed on Linux to verify the unit');
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'rcd-svc-verify-'));
      const verifyRuntime = mkdtempSync(join(tmpdir(), 'rcd-svc-xdg-'));
      try {
        chmodSync(verifyRuntime, 0o700);
        const unit = join(dir, 'rcd.service');
        writeFileSync(unit, r.stdout);
        const v = spawnSync('systemd-analyze', ['verify', '--user', unit], {
          encoding: 'utf8',
          env: { ...process.env, ...s.env, XDG_RUNTIME_DIR: verifyRuntime },
          timeout: 60_000,
        });
        const output = `${v.stdout}${v.stderr}`.trim();
        // verify exits 0 even for "Unknown key" warnings: the output must be empty too.
        assert.equal(v.status, 0, `systemd-analyze verify failed: ${output}`);
        assert.equal(output, '', `systemd-analyze verify warned: ${output}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        rmSync(verifyRuntime, { recursive: true, force: true });
      }
    }));

  it('the launchd plist parses back with every key launchd needs', () =>
    withSandbox(async (s) => {
      const r = await s.run(['service', 'install', '--dry-run', '--platform', 'darwin'], { RCD_RELAY_URL: 'https://127.0.0.1:9/x y' });
      assert.equal(r.code, 0, r.stderr);
      const doc = parsePlist(r.stdout) as Record<string, unknown>;
      assert.equal(doc.Label, 'dev.rcd.daemon');
      assert.deepEqual(doc.ProgramArguments, [process.execPath, ...DAEMON_NODE_FLAGS, CLI, 'daemon']);
      assert.equal(doc.RunAtLoad, true);
      assert.deepEqual(doc.KeepAlive, { SuccessfulExit: false });
      assert.equal(typeof doc.ThrottleInterval, 'number');
      assert.equal(doc.AbandonProcessGroup, true);
      const log = join(s.rcd.home, 'logs', 'daemon.out');
      assert.equal(doc.StandardOutPath, log);
      assert.equal(doc.StandardErrorPath, log);
      const env = doc.EnvironmentVariables as Record<string, string>;
      assert.equal(env.RCD_HOME, s.rcd.home);
      assert.equal(env.PATH, s.rcd.env.PATH);
      assert.equal(env.RCD_RELAY_URL, 'https://127.0.0.1:9/x y');
      assert.equal(env.GLIBC_TUNABLES, undefined, 'macOS has no glibc');
    }));

  it('writes nothing, starts no daemon, and prints only the file on stdout', () =>
    withSandbox(async (s) => {
      for (const platform of ['linux', 'darwin']) {
        const r = await s.run(['service', 'install', '--dry-run', '--platform', platform]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, platform === 'linux' ? /^# rcd login service/ : /^<\?xml /);
        const u = await s.run(['service', 'uninstall', '--dry-run', '--platform', platform]);
        assert.equal(u.code, 0, u.stderr);
      }
      for (const dir of [s.home, s.config, s.runtime, s.rcd.home]) assert.deepEqual(ls(dir), [], `${dir} stays empty`);
      assert.deepEqual(s.rcd.leftovers(), []);
    }));

  it('only the service command loads the plist package; `rcd status` does not', () =>
    withSandbox(async (s) => {
      const NODE_OPTIONS = `--import=${pathToFileURL(fixture('deny-plist.mjs')).href}`;
      const status = await s.run(['status', '--json'], { NODE_OPTIONS });
      assert.equal(status.code, 0, status.stderr);
      const linux = await s.run(['service', 'install', '--dry-run', '--platform', 'linux'], { NODE_OPTIONS });
      assert.equal(linux.code, 0, linux.stderr);
      const darwin = await s.run(['service', 'install', '--dry-run', '--platform', 'darwin'], { NODE_OPTIONS });
      assert.equal(darwin.code, 1, 'the hook works: loading plist fails under it');
      assert.match(darwin.stderr, /plist was loaded/);
    }));
});

describe('rcd service without a reachable service manager', () => {
  it('install exits 1 with one clear line and writes nothing', () =>
    withSandbox(async (s) => {
      const r = await s.run(['service', 'install', '--platform', 'linux']);
      assertOneLineError(r, 'service install');
      assert.match(r.stderr, /^rcd: cannot install the login service: (systemctl was not found|the systemd user manager is not reachable)/);
      assert.match(r.stderr, /nothing was written/);
      const darwin = await s.run(['service', 'install', '--platform', 'darwin']);
      assertOneLineError(darwin, 'service install --platform darwin');
      for (const dir of [s.home, s.config, s.rcd.home]) assert.deepEqual(ls(dir), [], `${dir} stays empty`);
      assert.equal(s.rcd.daemonPid(), null, 'service never starts a daemon');
    }));

  it('install exits 1 with one line when systemctl is not installed at all', () =>
    withSandbox(async (s) => {
      const r = await s.run(['service', 'install', '--platform', 'linux'], { PATH: join(s.runtime, 'empty') });
      assertOneLineError(r, 'service install');
      assert.match(r.stderr, /systemctl was not found/);
      assert.deepEqual(ls(s.config), []);
    }));

  it('status says the service is not installed, and where its file would be', () =>
    withSandbox(async (s) => {
      const r = await s.run(['service', 'status', '--platform', 'linux']);
      assert.equal(r.code, 0, r.stderr);
      const file = join(s.config, 'systemd', 'user', 'rcd.service');
      assert.match(r.stdout, /: not installed$/m);
      assert.ok(r.stdout.includes(file), r.stdout);
      const j = await s.run(['service', 'status', '--json', '--platform', 'linux']);
      assert.equal(j.code, 0, j.stderr);
      const doc = JSON.parse(j.stdout) as { installed: boolean; enabled: boolean; file: string; warnings: string[] };
      assert.deepEqual({ installed: doc.installed, enabled: doc.enabled, file: doc.file, warnings: doc.warnings }, { installed: false, enabled: false, file, warnings: [] });
      const u = await s.run(['service', 'uninstall', '--platform', 'linux']);
      assert.equal(u.code, 0, u.stderr);
      assert.match(u.stdout, /not installed/);
      assert.equal(s.rcd.daemonPid(), null);
    }));

  it('usage errors exit 2 with the usage line', () =>
    withSandbox(async (s) => {
      const cases = [[], ['bogus'], ['install', 'extra'], ['install', '--platform', 'windows'], ['install', '--bogus'], ['status', '--dry-run'], ['install', '--json'], ['install', '--platform']];
      for (const args of cases) {
        const r = await s.run(['service', ...args]);
        assert.equal(r.code, 2, `rcd service ${args.join(' ')}: exit ${r.code}, ${r.stderr}`);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /^rcd: [^\n]+; usage: rcd service install\|uninstall\|status[^\n]*\n$/);
      }
      assert.deepEqual(ls(s.config), []);
    }));
});

// Stand-ins for the service managers: they log each call, answer like a reachable manager, and run the daemon as
// the manager would (detached, stdio closed), so the whole install/status/uninstall path runs here.
const FAKE_SYSTEMCTL = `#!/bin/sh
echo "$*" >> "$FAKE_DIR/calls"
pidfile="$RCD_HOME/daemon.pid"
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
case "$*" in
  --version) echo "systemd 252 (252-fake)" ;;
  "--user show-environment") echo "HOME=$HOME" ;;
  "--user enable rcd.service") touch "$FAKE_DIR/enabled" ;;
  "--user restart rcd.service") setsid "$FAKE_NODE" "$FAKE_CLI" daemon </dev/null >/dev/null 2>&1 & ;;
  "--user disable --now rcd.service") rm -f "$FAKE_DIR/enabled"; running && kill "$(cat "$pidfile")" ;;
  "--user show rcd.service"*)
    echo LoadState=loaded
    if [ -f "$FAKE_DIR/enabled" ]; then echo UnitFileState=enabled; else echo UnitFileState=disabled; fi
    if running; then printf 'ActiveState=active\\nSubState=running\\nMainPID=%s\\n' "$(cat "$pidfile")"
    else printf 'ActiveState=inactive\\nSubState=dead\\nMainPID=0\\n'; fi ;;
esac
exit 0
`;

const FAKE_LAUNCHCTL = `#!/bin/sh
echo "$*" >> "$FAKE_DIR/calls"
pidfile="$RCD_HOME/daemon.pid"
case "$1" in
  print)
    [ "$2" = "gui/$(id -u)" ] && exit 0
    [ -f "$FAKE_DIR/loaded" ] || { echo "Could not find service" >&2; exit 113; }
    printf '%s = {\\n\\tstate = running\\n\\tpid = %s\\n}\\n' "$2" "$(cat "$pidfile")" ;;
  print-disabled) printf 'disabled services = {\\n}\\n' ;;
  bootstrap) touch "$FAKE_DIR/loaded"; setsid "$FAKE_NODE" "$FAKE_CLI" daemon </dev/null >/dev/null 2>&1 & ;;
  bootout) rm -f "$FAKE_DIR/loaded"; [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null ;;
esac
exit 0
`;

function fakeManager(s: Sandbox, name: 'systemctl' | 'launchctl', script: string): { env: NodeJS.ProcessEnv; calls: () => string[] } {
  const dir = join(s.runtime, 'fake');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), script, { mode: 0o755 });
  const env = { ...s.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ''}`, FAKE_DIR: dir, FAKE_NODE: process.execPath, FAKE_CLI: CLI };
  const calls = () => (existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n') : []);
  return { env, calls };
}

describe('rcd service with a (stand-in) service manager', () => {
  it('systemd: install hands a background daemon over, agents survive; status warns on stale paths; uninstall reverses', () =>
    withSandbox(async (s) => {
      const fake = fakeManager(s, 'systemctl', FAKE_SYSTEMCTL);
      const run = (args: string[]) => s.rcd.run(args, { env: fake.env });
      const work = join(s.home, 'work');
      mkdirSync(work);
      const id = (await s.rcd.ok(['start', '--cwd', work, '--', process.execPath, fixture('forever.mjs')], { env: fake.env })).trim();
      const agent = (await s.rcd.session(id)).pid as number;
      const background = s.rcd.daemonPid() as number;

      const r = await run(['service', 'install']);
      assert.equal(r.code, 0, r.stderr);
      const file = join(s.config, 'systemd', 'user', 'rcd.service');
      assert.ok(readFileSync(file, 'utf8').includes(`ExecStart="${process.execPath}" ${FLAG_WORDS} "${CLI}" daemon`));
      assert.deepEqual(fake.calls(), ['--version', '--user show-environment', '--user daemon-reload', '--user enable rcd.service', '--user restart rcd.service']);
      assert.match(r.stdout, new RegExp(`handed over from daemon ${background}:`));
      assert.match(r.stdout, /loginctl enable-linger|linger is on/);
      assert.ok(!isAlive(background), 'the background daemon is gone');
      const serviceDaemon = await waitFor(() => s.rcd.daemonPid(), 'the service daemon');
      assert.notEqual(serviceDaemon, background);
      assert.ok(isAlive(agent), 'the agent kept running');
      const session = await s.rcd.session(id);
      assert.deepEqual({ state: session.state, pid: session.pid }, { state: 'running', pid: agent }, 're-adopted by the service daemon');

      const st = await run(['service', 'status', '--json']);
      assert.equal(st.code, 0, st.stderr);
      const doc = JSON.parse(st.stdout) as { installed: boolean; enabled: boolean; running: boolean; pid: number; program: string[]; warnings: string[] };
      assert.deepEqual(doc, { ...doc, installed: true, enabled: true, running: true, pid: serviceDaemon, program: [process.execPath, ...DAEMON_NODE_FLAGS, CLI, 'daemon'], warnings: [] });
      assert.equal(st.stderr, '');

      // A unit from an rcd that started the daemon with other node flags (or none): status says so, and how to fix it.
      const written = readFileSync(file, 'utf8');
      writeFileSync(file, written.replace(` ${FLAG_WORDS} `, ' '));
      const oldFlags = await run(['service', 'status']);
      assert.equal(oldFlags.code, 0, oldFlags.stderr);
      assert.match(oldFlags.stderr, /^rcd: warning: .*starts the daemon with node flags "", this rcd with "--max-semi-space-size=1 .*rcd service install/m);

      // An upgrade that removed the node the unit runs: status says so, and how to fix it.
      writeFileSync(file, written.replace(`"${process.execPath}"`, '"/nonexistent/node 18/bin/node"'));
      const stale = await run(['service', 'status']);
      assert.equal(stale.code, 0, stale.stderr);
      assert.match(stale.stderr, /^rcd: warning: .*\/nonexistent\/node 18\/bin\/node, which no longer exists.*rcd service install/m);
      assert.match(stale.stdout, /installed, enabled, running/);

      const u = await run(['service', 'uninstall']);
      assert.equal(u.code, 0, u.stderr);
      assert.ok(!existsSync(file), 'the unit file is removed');
      assert.deepEqual(fake.calls().slice(-3), ['--user disable --now rcd.service', '--user daemon-reload', '--user reset-failed rcd.service']);
      await waitFor(() => !isAlive(serviceDaemon), 'the service daemon to stop');
      assert.ok(isAlive(agent), 'the agent outlives the uninstall too');
    }));

  it('launchd: install writes the plist, creates the log directory and bootstraps it; uninstall boots it out', () =>
    withSandbox(async (s) => {
      const fake = fakeManager(s, 'launchctl', FAKE_LAUNCHCTL);
      const run = (args: string[]) => s.rcd.run(args, { env: fake.env });
      const r = await run(['service', 'install', '--platform', 'darwin']);
      assert.equal(r.code, 0, r.stderr);
      const file = join(s.home, 'Library', 'LaunchAgents', 'dev.rcd.daemon.plist');
      const doc = parsePlist(readFileSync(file, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(doc.ProgramArguments, [process.execPath, ...DAEMON_NODE_FLAGS, CLI, 'daemon']);
      assert.ok(existsSync(join(s.rcd.home, 'logs')), 'launchd needs the log directory to exist');
      const uid = process.getuid?.() ?? 0;
      assert.deepEqual(fake.calls(), [`print gui/${uid}`, `print gui/${uid}/dev.rcd.daemon`, `enable gui/${uid}/dev.rcd.daemon`, `bootstrap gui/${uid} ${file}`]);
      const daemon = await waitFor(() => s.rcd.daemonPid(), 'the service daemon');

      const st = await run(['service', 'status', '--platform', 'darwin', '--json']);
      const state = JSON.parse(st.stdout) as { installed: boolean; enabled: boolean; running: boolean; pid: number; warnings: string[] };
      assert.deepEqual(state, { ...state, installed: true, enabled: true, running: true, pid: daemon, warnings: [] });

      const again = await run(['service', 'install', '--platform', 'darwin']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /^refreshed the launchd agent/m);
      assert.ok(fake.calls().includes(`bootout gui/${uid}/dev.rcd.daemon`), 'a refresh unloads the old definition first');

      const u = await run(['service', 'uninstall', '--platform', 'darwin']);
      assert.equal(u.code, 0, u.stderr);
      assert.ok(!existsSync(file));
      assert.equal(fake.calls().at(-1), `bootout gui/${uid}/dev.rcd.daemon`);
    }));
});
