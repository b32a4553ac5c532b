// The pure parts of `rcd service`: the systemd unit and launchd plist generated from service-units/, the quoting of
// values for systemd, and reading back what an installed file runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { build, parse } from 'plist';
import { launchdPlistObject, plistProgram, renderLaunchdPlist } from '../../src/cli/service/launchd-plist.js';
import {
  environmentLine,
  execWord,
  parseSystemdVersion,
  renderSystemdUnit,
  restartBackoff,
  splitWords,
  unitExecStart,
  type UnitInput,
} from '../../src/cli/service/systemd-unit.js';
import { LAUNCHD_TEMPLATE, SYSTEMD_TEMPLATE, fillJson, fillText, readTemplate, serviceUnitsDir } from '../../src/cli/service/template.js';

const FLAGS = ['--max-semi-space-size=1', '--jitless'];
const HAIRY = 'a b\t"q" \'s\' back\\slash 100% $HOME $$ ${X} ; é 日本';
const input = (over: Partial<UnitInput> = {}): UnitInput => ({
  node: '/usr/local/bin/node',
  nodeFlags: FLAGS,
  cli: '/opt/rcd/dist/rcd.cjs',
  env: [['RCD_HOME', '/home/me/.local/state/rcd'], ['PATH', '/usr/local/bin:/usr/bin:/bin']],
  systemdVersion: 252,
  ...over,
});
const unit = (over: Partial<UnitInput> = {}) => renderSystemdUnit(readTemplate(SYSTEMD_TEMPLATE), input(over));

/** The [Section] each key=value line of a unit is in. */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const line of text.split('\n')) {
    const head = /^\[(\w+)\]$/.exec(line);
    if (head) current = head[1] as string;
    else if (/^\w+=/.test(line)) out.set(current, [...(out.get(current) ?? []), line]);
  }
  return out;
}

/** systemd-analyze verify --user on a unit text; Linux must have it (a missing tool fails, never skips). */
function verify(text: string): { status: number | null; output: string } | null {
  if (spawnSync('sh', ['-c', 'command -v systemd-analyze']).status !== 0) {
    assert.notEqual(process.platform, 'linux', 'systemd-analyze must be installed on Linux');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rcd-unit-'));
  try {
    const runtime = join(dir, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    writeFileSync(join(dir, 'rcd.service'), text);
    const r = spawnSync('systemd-analyze', ['verify', '--user', join(dir, 'rcd.service')], {
      encoding: 'utf8',
      env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_RUNTIME_DIR: runtime },
      timeout: 60_000,
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the systemd user unit', () => {
  it('has the settings the login service depends on, each in its section', () => {
    const s = sections(unit());
    assert.deepEqual(s.get('Unit')?.filter((l) => l.startsWith('StartLimit')), ['StartLimitIntervalSec=0']);
    const service = s.get('Service') ?? [];
    for (const line of ['Type=exec', 'KillMode=process', 'Restart=on-failure', 'RestartSec=1s']) assert.ok(service.includes(line), line);
    // The daemon's node flags on its command line: NODE_OPTIONS would refuse most V8 flags.
    assert.ok(service.includes('ExecStart="/usr/local/bin/node" "--max-semi-space-size=1" "--jitless" "/opt/rcd/dist/rcd.cjs" daemon'));
    assert.ok(!service.some((l) => l.includes('NODE_OPTIONS')), 'no NODE_OPTIONS: agents must not inherit the daemon\'s flags either');
    assert.ok(service.includes('Environment="RCD_HOME=/home/me/.local/state/rcd"'));
    assert.ok(service.includes('Environment="PATH=/usr/local/bin:/usr/bin:/bin"'));
    assert.deepEqual(s.get('Install'), ['WantedBy=default.target']);
    assert.doesNotMatch(unit(), /@[A-Z_]+@/, 'no placeholder is left');
  });

  it('adds RestartSteps=/RestartMaxDelaySec= only for systemd 254 and later', () => {
    for (const v of [null, 249, 252, 253]) {
      assert.doesNotMatch(unit({ systemdVersion: v }), /RestartSteps|RestartMaxDelaySec/, `systemd ${v}`);
      assert.deepEqual(restartBackoff(v), []);
    }
    for (const v of [254, 255, 257]) {
      const text = unit({ systemdVersion: v });
      assert.match(text, /^RestartSteps=\d+$/m);
      assert.match(text, /^RestartMaxDelaySec=\d+s$/m);
      assert.ok(text.indexOf('RestartSteps') > text.indexOf('RestartSec=1s'), 'in [Service], after RestartSec');
    }
  });

  it('reads the version from `systemctl --version`', () => {
    assert.equal(parseSystemdVersion('systemd 252 (252.38-1~deb12u1)\n+PAM +AUDIT'), 252);
    assert.equal(parseSystemdVersion('systemd 256 (256.7-1)'), 256);
    assert.equal(parseSystemdVersion('something else'), null);
  });

  it('quotes Environment= values: spaces, quotes, backslashes, % (specifiers) and $ (left alone)', () => {
    assert.equal(environmentLine('PATH', '/a b/bin:/usr/bin'), 'Environment="PATH=/a b/bin:/usr/bin"');
    assert.equal(environmentLine('X', 'say "hi"'), 'Environment="X=say \\"hi\\""');
    assert.equal(environmentLine('X', 'C:\\dir'), 'Environment="X=C:\\\\dir"');
    assert.equal(environmentLine('X', '100%n'), 'Environment="X=100%%n"');
    assert.equal(environmentLine('X', '$HOME and $$'), 'Environment="X=$HOME and $$"');
    assert.equal(environmentLine('X', "it's"), 'Environment="X=it\'s"');
    assert.throws(() => environmentLine('X', 'two\nlines'), /control character/);
    assert.throws(() => environmentLine('BAD NAME', 'x'), /not a valid environment variable name/);
  });

  it('quotes ExecStart= words; $ is doubled in arguments, not in the program path', () => {
    assert.equal(execWord('/opt/my node/bin/node', 'program'), '"/opt/my node/bin/node"');
    assert.equal(execWord('/p/$x%y', 'program'), '"/p/$x%%y"');
    assert.equal(execWord('/p/$x%y"\\', 'argument'), '"/p/$$x%%y\\"\\\\"');
    // systemd rejects these in a program path ("Executable name contains special characters"): say so up front.
    for (const bad of ['/p/"q"/node', "/p/it's/node", '/p/back\\slash/node']) assert.throws(() => execWord(bad, 'program'), /quote or a backslash/);
    assert.equal(execWord('/p/$x', 'argument'), '"/p/$$x"');
    assert.throws(() => execWord('/p/a\nb', 'argument'), /control character/);
  });

  it('reads ExecStart back exactly as it was written, whatever the paths hold', () => {
    const node = '/opt/My Apps/node 100%/$v/bin/node';
    const cli = `/home/me/${HAIRY.replace(/\t/g, ' ')}/dist/rcd.cjs`;
    assert.deepEqual(unitExecStart(unit({ node, cli })), [node, ...FLAGS, cli, 'daemon']);
    assert.deepEqual(unitExecStart(unit({ node, cli, nodeFlags: [] })), [node, cli, 'daemon']);
    assert.deepEqual(splitWords(`"a b" c 'd "e"' f\\ g`), ['a b', 'c', 'd "e"', 'f g']);
    assert.equal(unitExecStart('[Service]\nType=exec\n'), null);
  });

  it('passes systemd-analyze verify with awkward values, and systemd reads the program path back unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcd unit %n $X '));
    try {
      // A real node reached through a path with a space, % and $ (verify checks it is executable); the rest anywhere.
      symlinkSync(process.execPath, join(dir, 'node'));
      const awkward = input({ node: join(dir, 'node'), cli: `/opt/${HAIRY.replace(/\t/g, ' ')}/rcd.js`, env: [['RCD_HOME', `/tmp/${HAIRY.replace(/\t/g, ' ')}`], ['PATH', '/a b:/c%d:/e\\f']] });
      const clean = verify(renderSystemdUnit(readTemplate(SYSTEMD_TEMPLATE), awkward));
      if (clean === null) return;
      assert.deepEqual(clean, { status: 0, output: '' });
      // verify names a missing program by the path it parsed: the round trip of the quoting through systemd itself.
      const missing = join(dir, 'gone', 'node');
      const r = verify(renderSystemdUnit(readTemplate(SYSTEMD_TEMPLATE), { ...awkward, node: missing }));
      assert.ok(r?.output.includes(`Command ${missing} is not executable`), r?.output);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the launchd plist', () => {
  const plistInput = { label: 'dev.rcd.daemon', node: '/usr/local/bin/node', nodeFlags: FLAGS, cli: '/opt/rcd/dist/rcd.cjs', daemonOut: '/Users/me/Library/Application Support/rcd/logs/daemon.out' };

  it('is built by the plist package and parses back to the template with values filled in', () => {
    const env: [string, string][] = [['RCD_HOME', '/Users/me/Library/Application Support/rcd'], ['PATH', '/opt/homebrew/bin:/usr/bin'], ['X', '<&>"\' é']];
    const text = renderLaunchdPlist(readTemplate(LAUNCHD_TEMPLATE), { ...plistInput, env }, { build });
    assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<!DOCTYPE plist/);
    assert.deepEqual(parse(text), {
      Label: 'dev.rcd.daemon',
      ProgramArguments: ['/usr/local/bin/node', ...FLAGS, '/opt/rcd/dist/rcd.cjs', 'daemon'],
      EnvironmentVariables: Object.fromEntries(env),
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 5,
      AbandonProcessGroup: true,
      StandardOutPath: plistInput.daemonOut,
      StandardErrorPath: plistInput.daemonOut,
    });
    assert.deepEqual(plistProgram(parse(text)), ['/usr/local/bin/node', ...FLAGS, '/opt/rcd/dist/rcd.cjs', 'daemon']);
  });

  it('refuses control characters, which XML cannot carry', () => {
    const template = JSON.parse(readTemplate(LAUNCHD_TEMPLATE)) as Parameters<typeof launchdPlistObject>[0];
    assert.throws(() => launchdPlistObject(template, { ...plistInput, env: [['PATH', 'a\u0001b']] }), /control character/);
  });

  it('finds no program in a plist without ProgramArguments', () => {
    assert.equal(plistProgram({ Label: 'x' }), null);
    assert.equal(plistProgram([]), null);
    assert.equal(plistProgram({ ProgramArguments: [1, 2] }), null);
  });
});

describe('templates', () => {
  it('are found above the compiled module', () => {
    assert.match(serviceUnitsDir(), /service-units$/);
  });

  it('fill whole-line placeholders with any number of lines, inline ones with text, and never rescan values', () => {
    assert.equal(fillText('a\n@L@\nb=@V@\n', { L: ['x', 'y'], V: '@L@' }), 'a\nx\ny\nb=@L@\n');
    assert.equal(fillText('a\n@L@\nb\n', { L: [] }), 'a\nb\n');
    assert.throws(() => fillText('@NOPE@', {}), /@NOPE@/);
    assert.deepEqual(fillJson({ a: ['@V@', 'x @S@'], e: '@E@' }, { V: 'v', S: 's', E: { k: 'v' } }), { a: ['v', 'x s'], e: { k: 'v' } });
    assert.throws(() => fillJson({ a: '@NOPE@' }, {}), /@NOPE@/);
  });
});
