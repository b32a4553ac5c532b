// One live session per working directory (docs/architecture.md guarantee 5), compared by canonical real path.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rcd, fixture } from '../helpers/harness.js';

describe('one session per directory', () => {
  let rcd: Rcd;
  let proj: string;
  before(async () => {
    rcd = new Rcd();
    proj = join(rcd.home, 'proj');
    mkdirSync(join(proj, 'sub', 'deeper'), { recursive: true });
    mkdirSync(join(rcd.home, 'other'));
    symlinkSync(proj, join(rcd.home, 'link'));
    await rcd.ok(['start', '--cwd', proj, '--name', 'holder', '--', process.execPath, fixture('forever.mjs')]);
  });
  after(async () => {
    assert.deepEqual(await rcd.teardown(), []);
  });

  const refused = async (cwd: string) => {
    const before = (await rcd.status()).sessions.length;
    const r = await rcd.run(['start', '--cwd', cwd, '--', process.execPath, fixture('forever.mjs')]);
    assert.equal(r.code, 1, `start in ${cwd} must be refused`);
    assert.match(r.stderr, /session holder \([0-9a-f]{16}, running\)/, 'the error names the holding session');
    assert.match(r.stderr, /rcd stop holder/, 'and says how to stop it');
    assert.equal(r.stdout, '');
    assert.equal((await rcd.status()).sessions.length, before, 'a refused start changes nothing');
  };

  it('refuses the same directory however it is spelled', async () => {
    await refused(proj);
    await refused(`${proj}/`);
    await refused(join(proj, 'sub', '..'));
    await refused(join(rcd.home, 'link'));
  });

  it('refuses a directory inside or above a live session\'s', async () => {
    await refused(join(proj, 'sub', 'deeper'));
    await refused(rcd.home);
  });

  it('lets exactly one of two racing starts in one directory win', async () => {
    const dir = join(rcd.home, 'race');
    mkdirSync(dir);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => rcd.run(['start', '--cwd', dir, '--', process.execPath, fixture('forever.mjs')])),
    );
    assert.equal(results.filter((r) => r.code === 0).length, 1, results.map((r) => r.stderr).join(''));
    assert.equal(results.filter((r) => r.code === 1).length, 3);
    const live = (await rcd.status()).sessions.filter((s) => s.cwd === dir);
    assert.equal(live.length, 1);
  });

  it('a sibling directory is fine, and a stopped session frees its directory', async () => {
    await rcd.ok(['start', '--cwd', join(rcd.home, 'other'), '--name', 'sibling', '--', process.execPath, fixture('forever.mjs')]);
    await rcd.ok(['stop', 'holder']);
    await rcd.ok(['start', '--cwd', join(rcd.home, 'link'), '--name', 'again', '--', process.execPath, fixture('forever.mjs')]);
    assert.equal((await rcd.session('again')).cwd, proj, 'cwd is stored as the canonical real path');
  });
});
