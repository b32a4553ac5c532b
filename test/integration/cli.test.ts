// The CLI contract (docs CLI.md): exit codes, usage lines, what goes to stdout and stderr, SESSION resolution,
// and the version handshake with a daemon of another version.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { socketPath } from '../../src/common/paths.js';
import { ROOT, Rcd, withRcd, fixture, waitFor, type RunResult } from '../helpers/harness.js';

const ID = /^[0-9a-f]{16}$/;

function dir(work: string, name: string): string {
  const d = join(work, name);
  mkdirSync(d, { recursive: true });
  return d;
}

/** One line on stderr, nothing on stdout, exit 1: how every non-usage error looks. */
function assertOneLineError(r: RunResult, what: string): void {
  assert.equal(r.code, 1, `${what}: exit ${r.code}, stderr ${r.stderr}`);
  assert.equal(r.stdout, '', `${what}: stdout must stay empty`);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${what}: expected one line, got ${JSON.stringify(r.stderr)}`);
}

describe('usage errors, help and version', () => {
  const rcd = new Rcd('rcd-cli-usage-');
  after(async () => assert.deepEqual(await rcd.teardown(), []));

  const cases: [string, string[]][] = [
    ['an unknown flag', ['status', '--bogus']],
    ['an unknown command', ['frobnicate']],
    ['a bad --restart value', ['start', '--restart', 'bogus', '--', 'node', fixture('echo.mjs')]],
    ['a bad --agent value', ['start', '--agent', 'gpt', '--', 'node', fixture('echo.mjs')]],
    ['start without a command', ['start']],
    ['start with -- but no command', ['start', '--']],
    ['logs without SESSION', ['logs']],
    ['stop with two sessions', ['stop', 'a', 'b']],
    ['a --name with a space', ['start', '--name', 'my session', '--', 'node', fixture('echo.mjs')]],
    ['a --name starting with a dot', ['start', '--name=.hidden', '--', 'node', fixture('echo.mjs')]],
    ['a flag missing its value before another flag', ['start', '--cwd', '--name', 'x', '--', 'node', fixture('echo.mjs')]],
    ['an empty --name', ['start', '--name=', '--', 'node', fixture('echo.mjs')]],
    ['a --name of 65 characters', ['start', `--name=${'n'.repeat(65)}`, '--', 'node', fixture('echo.mjs')]],
    ['a --name that looks like a session id', ['start', '--name', '85de96a7', '--', 'node', fixture('echo.mjs')]],
    ['a --name of 16 hex digits', ['start', '--name', '0123456789abcdef', '--', 'node', fixture('echo.mjs')]],
    // Arguments over the protocol's limits: named as typed, never zod's dump (and no daemon is asked).
    ['a SESSION of 300 characters', ['status', 's'.repeat(300)]],
    ['a --cwd over 4096 characters', ['start', '--cwd', `/${'d/'.repeat(2100)}`, '--', 'node', fixture('echo.mjs')]],
    ['a command word over 64 KiB', ['start', '--', 'node', 'w'.repeat(70_000)]],
    ['a --message over 4096 characters', ['deny', 's', '-m', 'm'.repeat(5_000)]],
  ];
  for (const [what, args] of cases) {
    it(`exits 2 with a usage line for ${what}`, async () => {
      const r = await rcd.run(args);
      assert.equal(r.code, 2, `rcd ${args.join(' ')}: exit ${r.code}, stderr ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^rcd: [^\n]+; (usage: rcd [a-z]+ |see `rcd --help`)[^\n]*\n$/, 'one line: the problem, then the usage');
    });
  }

  it('says which argument is over the limit, in one line, without asking the daemon', async () => {
    const cases: [string[], RegExp, { input?: string; env?: NodeJS.ProcessEnv }?][] = [
      [['status', 's'.repeat(300)], /^rcd: SESSION is too long: at most 256 characters; usage: rcd status /],
      [['start', '--', 'node', 'w'.repeat(70_000)], /^rcd: word 2 of the command after -- is too long: at most 65536 characters; usage: rcd start /],
      [['send', 's', '-'], /^rcd: TEXT is too long: at most 524288 characters; usage: rcd send /, { input: 't'.repeat(600_000) }],
      // Nine variables of 120 KB: over the daemon's 1 MiB body limit together.
      [['start', '--', 'node', fixture('echo.mjs')], /^rcd: the request is \d+ KiB, more than the daemon takes \(1024 KiB\): make the environment and the command smaller; usage: rcd start /,
        { env: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`RCD_BIG_${i}`, 'e'.repeat(120_000)])) }],
    ];
    for (const [args, message, opts] of cases) {
      const r = await rcd.run(args, opts);
      assert.equal(r.code, 2, `rcd ${args[0]}: exit ${r.code}, stderr ${r.stderr.slice(0, 300)}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line');
      assert.doesNotMatch(r.stderr, /unexpected error|too_big/);
    }
    assert.equal(rcd.daemonPid(), null, 'no daemon was started for arguments that could never be sent');
  });

  it('names the allowed values when a flag value is bad', async () => {
    const r = await rcd.run(['start', '--restart', 'bogus', '--', 'node', fixture('echo.mjs')]);
    assert.match(r.stderr, /no, on-failure, always/);
  });

  it('no command at all is a usage error: the help on stderr, exit 2', async () => {
    const r = await rcd.run([]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^rcd — keeps AI coding-agent sessions alive/);
  });

  it('--help and COMMAND --help exit 0 with the usage on stdout', async () => {
    const top = await rcd.run(['--help']);
    assert.equal(top.code, 0);
    assert.equal(top.stderr, '');
    for (const command of ['start', 'status', 'logs', 'send', 'stop', 'rm', 'shutdown']) assert.match(top.stdout, new RegExp(`rcd ${command}\\b`));
    const start = await rcd.run(['start', '--help']);
    assert.equal(start.code, 0);
    assert.match(start.stdout, /^usage: rcd start /);
  });

  it('--version exits 0 and prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await rcd.run(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${pkg.version}\n`);
    assert.equal(r.stderr, '');
  });
});

describe('errors and results', () => {
  it('a --cwd that does not exist exits 1 (not 2) with one line naming it, and creates nothing', () =>
    withRcd('rcd-cli', async (rcd, work) => {
      const missing = join(work, 'no', 'such', 'dir');
      const r = await rcd.run(['start', '--cwd', missing, '--', process.execPath, fixture('echo.mjs')]);
      assertOneLineError(r, 'start --cwd <missing>');
      assert.ok(r.stderr.includes(missing), r.stderr);
      assert.match(r.stderr, /does not exist/);
      assert.deepEqual((await rcd.status()).sessions, []);
    }));

  it('rcd start prints only the session id on stdout, even when it starts the daemon', () =>
    withRcd('rcd-cli', async (rcd, work) => {
      assert.equal(rcd.daemonPid(), null);
      const r = await rcd.run(['start', '--cwd', dir(work, 'a'), '--', process.execPath, fixture('echo.mjs')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^[0-9a-f]{16}\n$/);
      assert.equal(r.stderr, '');
      const json = await rcd.run(['start', '--json', '--cwd', dir(work, 'b'), '--', process.execPath, fixture('echo.mjs')]);
      assert.equal(json.code, 0, json.stderr);
      const doc = JSON.parse(json.stdout) as { id: string };
      assert.match(doc.id, ID);
    }));

  it('rcd stop on a session that is not running exits 0, says so and changes nothing', () =>
    withRcd('rcd-cli', async (rcd, work) => {
      const id = (await rcd.ok(['start', '--cwd', dir(work, 'a'), '--', process.execPath, fixture('exit-with.mjs'), '3'])).trim();
      const ended = await waitFor(async () => {
        const s = await rcd.session(id);
        return s.state === 'exited' ? s : null;
      }, 'the session to exit on its own');
      const r = await rcd.run(['stop', id]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /not running/);
      const after = await rcd.session(id);
      assert.deepEqual({ state: after.state, exitCode: after.exitCode, reason: after.reason }, { state: 'exited', exitCode: 3, reason: ended.reason });
    }));

  it('rcd rm of a running session exits 1, says to stop it first, and changes nothing', () =>
    withRcd('rcd-cli', async (rcd, work) => {
      const id = (await rcd.ok(['start', '--cwd', dir(work, 'a'), '--', process.execPath, fixture('echo.mjs')])).trim();
      const before = await rcd.session(id);
      assert.equal(before.state, 'running');
      const r = await rcd.run(['rm', id]);
      assertOneLineError(r, 'rm <running>');
      assert.match(r.stderr, /rcd stop/);
      const after = await rcd.session(id);
      assert.deepEqual({ id: after.id, state: after.state, pid: after.pid }, { id, state: 'running', pid: before.pid });
      // Once stopped it can be removed, and then it is gone.
      await rcd.ok(['stop', id]);
      await rcd.ok(['rm', id]);
      assert.deepEqual((await rcd.status()).sessions, []);
    }));
});

describe('SESSION resolution', () => {
  it('takes an exact id, a name, a unique id prefix; an ambiguous prefix is an error listing the candidates', () =>
    withRcd('rcd-cli', async (rcd, work) => {
      // Start short-lived sessions until two ids share their first character (at most 17: 16 hex digits).
      const ids: string[] = [];
      let shared: string | undefined;
      for (let i = 0; i < 17 && shared === undefined; i++) {
        const r = await rcd.run(['start', '--name', `s${i}`, '--cwd', dir(work, `d${i}`), '--', process.execPath, fixture('exit-with.mjs'), '0']);
        assert.equal(r.code, 0, r.stderr);
        const id = r.stdout.trim();
        assert.match(id, ID);
        shared = ids.find((other) => other[0] === id[0])?.[0];
        ids.push(id);
      }
      assert.ok(shared !== undefined, 'no two ids share a first character');
      const c: string = shared;
      const resolved = async (ref: string) => (await rcd.session(ref)).id;

      for (const id of ids) assert.equal(await resolved(id), id);
      assert.equal(await resolved('s1'), ids[1]);

      // The shortest prefix that picks out ids[0] alone.
      const first = ids[0] as string;
      let n = 1;
      while (ids.some((other) => other !== first && other.startsWith(first.slice(0, n)))) n++;
      assert.equal(await resolved(first.slice(0, n)), first);

      const r = await rcd.run(['status', c]);
      assertOneLineError(r, `status ${c}`);
      const candidates = ids.filter((id) => id.startsWith(c));
      assert.ok(candidates.length >= 2);
      for (const id of candidates) assert.ok(r.stderr.includes(id), `${id} missing from ${r.stderr}`);
      for (const id of ids.filter((x) => !x.startsWith(c))) assert.ok(!r.stderr.includes(id), `${id} is not a candidate: ${r.stderr}`);
    }));

  it('refuses a name that looks like an id, so no name stands in for another session\'s id prefix', () =>
    withRcd('rcd-cli', async (rcd, work) => {
      const a = (await rcd.ok(['start', '--cwd', dir(work, 'a'), '--', process.execPath, fixture('exit-with.mjs'), '0'])).trim();
      const prefix = a.slice(0, 6);
      const r = await rcd.run(['start', '--name', prefix, '--cwd', dir(work, 'b'), '--', process.execPath, fixture('exit-with.mjs'), '0']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^rcd: --name: "${prefix}" looks like a session id \\(4-16 hex digits\\)[^\\n]*; usage: rcd start [^\\n]*\\n$`));
      assert.equal((await rcd.session(prefix)).id, a, 'the prefix still finds the session it belongs to');
      assert.equal((await rcd.status()).sessions.length, 1, 'nothing was started');
      // A directory whose name reads as an id gives a default name that does not.
      const c = (await rcd.ok(['start', '--cwd', dir(work, 'cafe'), '--', process.execPath, fixture('exit-with.mjs'), '0'])).trim();
      assert.equal((await rcd.session(c)).name, 'cafe-dir');
      // Short hex names stay allowed: "cc" is a name, not how anyone types an id.
      const d = (await rcd.ok(['start', '--name', 'cc', '--cwd', dir(work, 'd'), '--', process.execPath, fixture('exit-with.mjs'), '0'])).trim();
      assert.equal((await rcd.session('cc')).id, d);
    }));

  it('an unknown session is an error that says how to list sessions', () =>
    withRcd('rcd-cli', async (rcd) => {
      const r = await rcd.run(['logs', 'nosuchsession']);
      assertOneLineError(r, 'logs nosuchsession');
      assert.match(r.stderr, /rcd status/);
    }));
});

describe('version handshake', () => {
  it('refuses to talk to a daemon of another version and says to run rcd shutdown', () =>
    withRcd('rcd-cli', async (rcd, work) => {
      let requests = 0;
      const fake = createServer((req, res) => {
        requests++;
        req.resume();
        res.writeHead(200, { 'rcd-version': '0.0.1', 'content-type': 'application/json' });
        res.end('{}');
      });
      const path = socketPath(rcd.home, rcd.env);
      await new Promise<void>((resolve, reject) => fake.once('error', reject).listen(path, resolve));
      try {
        for (const args of [['status'], ['start', '--cwd', dir(work, 'a'), '--', process.execPath, fixture('echo.mjs')]]) {
          const r = await rcd.run(args);
          assertOneLineError(r, `rcd ${args[0]} against 0.0.1`);
          assert.match(r.stderr, /0\.0\.1/);
          assert.match(r.stderr, /rcd shutdown/);
        }
        assert.ok(requests >= 2, 'the CLI never reached the old daemon');
        assert.equal(rcd.daemonPid(), null, 'the CLI must not start a second daemon next to the old one');
      } finally {
        await new Promise<void>((resolve) => fake.close(() => resolve()));
      }
    }));
});
