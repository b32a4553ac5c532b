// RCD_HOME/config.json is watched: an invalid file is reported in `status --json` (daemon.configError) while the
// last good settings stay in force, and a valid change applies without restarting the daemon.
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Rcd} from '../helpers/harness.js';
import { fixture, waitFor, withRcd, type RunResult } from '../helpers/harness.js';

// The daemon waits for the file to settle (100 ms) before it reads it; allow plenty more on a slow machine.
const APPLY_TIMEOUT_MS = 10_000;

const startIn = (rcd: Rcd, cwd: string): Promise<RunResult> => {
  mkdirSync(cwd, { recursive: true });
  return rcd.run(['start', '--cwd', cwd, '--', process.execPath, fixture('echo.mjs')]);
};

/** The refusal a start gets once the limit of one live session is in force. */
function assertLimitRefusal(r: RunResult): void {
  assert.equal(r.code, 1, `expected the start to be refused, got exit ${r.code}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /limit is 1\b/);
  assert.match(r.stderr, /maxSessions/);
}

/**
 * Waits until the daemon enforces maxSessions 1, without changing anything: a second start in the directory
 * the live session already holds is refused either way, for the limit once it applies and for the directory
 * until then.
 */
const limitApplies = (rcd: Rcd, busyDir: string) =>
  waitFor(async () => /limit is 1\b/.test((await startIn(rcd, busyDir)).stderr), 'maxSessions 1 to take effect', APPLY_TIMEOUT_MS, 100);

const configError = async (rcd: Rcd) => (await rcd.status()).daemon.configError;

describe('config.json', () => {
  it('reports an invalid file in status and keeps running with the last good settings', () =>
    withRcd('rcd-config', async (rcd, work) => {
      rcd.writeConfig({ maxSessions: 1 });
      assert.equal((await startIn(rcd, join(work, 'a'))).code, 0);
      const first = await rcd.status();
      assert.equal(first.daemon.configError, null);
      const pid = first.daemon.pid;
      assertLimitRefusal(await startIn(rcd, join(work, 'b')));

      const bad: [string, string, RegExp][] = [
        ['bad JSON', '{"maxSessions": 4,', /not valid JSON/],
        ['an unknown key', JSON.stringify({ maxSessions: 4, maxSession: 4 }), /maxSession\b/],
        ['a wrong type', JSON.stringify({ maxSessions: '4' }), /maxSessions/],
      ];
      for (const [what, text, mentions] of bad) {
        writeFileSync(join(rcd.home, 'config.json'), text);
        const error = await waitFor(async () => {
          const e = await configError(rcd);
          return e && mentions.test(e) ? e : null;
        }, `configError for ${what}`, APPLY_TIMEOUT_MS);
        assert.ok(error.includes('config.json'), `${what}: the error should name the file: ${error}`);
        const doc = await rcd.status();
        assert.equal(doc.daemon.pid, pid, `${what}: the daemon restarted or died`);
        // Still the last good limit (1), not the default and not the 4 of the rejected file.
        assertLimitRefusal(await startIn(rcd, join(work, 'b')));
        assert.equal((await rcd.status()).sessions.length, 1, `${what}: the refused start changed nothing`);
      }

      // A good file again clears the error.
      rcd.writeConfig({ maxSessions: 2 });
      await waitFor(async () => (await configError(rcd)) === null, 'configError to clear', APPLY_TIMEOUT_MS);
      assert.equal((await startIn(rcd, join(work, 'b'))).code, 0);
      assert.equal((await rcd.status()).daemon.pid, pid);
    }));

  it('applies a valid change without a restart: maxSessions 1 refuses a second live session', () =>
    withRcd('rcd-config', async (rcd, work) => {
      rcd.writeConfig({});
      const a = join(work, 'a');
      const started = await startIn(rcd, a);
      assert.equal(started.code, 0, started.stderr);
      const id = started.stdout.trim();
      const pid = (await rcd.status()).daemon.pid;

      rcd.writeConfig({ maxSessions: 1 });
      await limitApplies(rcd, a);
      assertLimitRefusal(await startIn(rcd, join(work, 'b')));
      const doc = await rcd.status();
      assert.equal(doc.daemon.pid, pid, 'the daemon was restarted');
      assert.equal(doc.daemon.configError, null);
      assert.deepEqual(doc.sessions.map((s) => [s.id, s.state]), [[id, 'running']]);
    }));

  it('picks up a config file created after the daemon started', () =>
    withRcd('rcd-config', async (rcd, work) => {
      const a = join(work, 'a');
      assert.equal((await startIn(rcd, a)).code, 0);
      const pid = (await rcd.status()).daemon.pid;
      rcd.writeConfig({ maxSessions: 1 });
      await limitApplies(rcd, a);
      assertLimitRefusal(await startIn(rcd, join(work, 'b')));
      assert.equal((await rcd.status()).daemon.pid, pid);
    }));

  it('follows a file that is replaced by rename, as editors save it, again and again', () =>
    withRcd('rcd-config', async (rcd, work) => {
      rcd.writeConfig({});
      const a = join(work, 'a');
      assert.equal((await startIn(rcd, a)).code, 0);
      const file = join(rcd.home, 'config.json');
      const replace = (text: string) => {
        writeFileSync(`${file}.tmp`, text);
        renameSync(`${file}.tmp`, file);
      };
      replace('{"maxSessions": ');
      await waitFor(async () => (await configError(rcd)) !== null, 'the first replacement to be read', APPLY_TIMEOUT_MS);
      replace(JSON.stringify({ maxSessions: 1 }));
      await waitFor(async () => (await configError(rcd)) === null, 'the second replacement to be read', APPLY_TIMEOUT_MS);
      assertLimitRefusal(await startIn(rcd, join(work, 'b')));
    }));
});
