// ensurePrivateDir creates new directories 0700 and refuses (never chmods) one that is not private to the user: a
// shared directory keeps its mode. checkSocket reads a missing place as "no daemon yet" (ENOENT).
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkSocket, ensurePrivateDir } from '../../src/common/private-dir.js';

const NOBODY = 65534;
const root = mkdtempSync('/tmp/rcd-private-dir-');
after(() => rmSync(root, { recursive: true, force: true }));
const mode = (p: string) => lstatSync(p).mode & 0o7777;

describe('ensurePrivateDir', () => {
  it('creates a new directory, and its missing parents, with mode 0700', () => {
    const dir = join(root, 'new', 'nested');
    ensurePrivateDir(dir);
    assert.equal(mode(join(root, 'new')), 0o700);
    assert.equal(mode(dir), 0o700);
  });

  it('accepts an existing private directory as it is', () => {
    const dir = join(root, 'mine');
    mkdirSync(dir, { mode: 0o700 });
    ensurePrivateDir(dir);
    assert.equal(mode(dir), 0o700);
  });

  for (const m of [0o755, 0o1777, 0o710]) {
    it(`refuses an existing directory of mode ${m.toString(8)} and leaves the mode alone`, () => {
      const dir = join(root, `open-${m.toString(8)}`);
      mkdirSync(dir);
      chmodSync(dir, m);
      assert.throws(() => ensurePrivateDir(dir, 'the state directory (RCD_HOME)'), (err: Error) => {
        assert.match(err.message, new RegExp(`^the state directory \\(RCD_HOME\\) ${dir} is not private to you \\(its mode is 0?${m.toString(8)}`));
        assert.match(err.message, /mode 0700/);
        return (err as { code?: string }).code === 'CONFLICT';
      });
      assert.equal(mode(dir), m);
    });
  }

  it('refuses a directory another user owns, even one of mode 0700', () => {
    const dir = join(root, 'theirs');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, NOBODY, NOBODY);
    assert.throws(() => ensurePrivateDir(dir), /belongs to another user \(uid 65534/);
    assert.equal(lstatSync(dir).uid, NOBODY);
  });

  it('refuses a symbolic link, even to a private directory', () => {
    const target = join(root, 'target');
    mkdirSync(target, { mode: 0o700 });
    const link = join(root, 'link');
    symlinkSync(target, link);
    assert.throws(() => ensurePrivateDir(link), /symbolic link/);
  });
});

describe('checkSocket', () => {
  it('throws ENOENT when the directory or the socket does not exist yet (the daemon is then started)', () => {
    const home = join(root, 'home');
    assert.throws(() => checkSocket(join(root, 'nodir', 'x.sock'), home), { code: 'ENOENT' });
    mkdirSync(join(root, 'sockdir'), { mode: 0o700 });
    assert.throws(() => checkSocket(join(root, 'sockdir', 'x.sock'), home), { code: 'ENOENT' });
  });
});
