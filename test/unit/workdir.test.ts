// One live session per working directory: which directories count as the same or nested, and the canonical
// path two spellings of one directory are compared by.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RcdError } from '../../src/common/errors.js';
import { canonicalDir, overlaps } from '../../src/daemon/sessions/workdir.js';

describe('overlaps', () => {
  it('is true for the same directory', () => {
    assert.equal(overlaps('/a/b', '/a/b', 'linux'), true);
  });

  it('is true for a directory inside the other, in either order', () => {
    assert.equal(overlaps('/a/b/c', '/a/b', 'linux'), true);
    assert.equal(overlaps('/a/b', '/a/b/c', 'linux'), true);
    assert.equal(overlaps('/a', '/a/b/c/d', 'linux'), true);
  });

  it('is false for a sibling whose name merely starts with the other name', () => {
    assert.equal(overlaps('/a/bc', '/a/b', 'linux'), false);
    assert.equal(overlaps('/a/b', '/a/bc', 'linux'), false);
    assert.equal(overlaps('/a/b-2/x', '/a/b', 'linux'), false);
  });

  it('is false for unrelated directories', () => {
    assert.equal(overlaps('/a/b', '/c/d', 'linux'), false);
  });

  it('treats / as containing everything', () => {
    assert.equal(overlaps('/', '/a', 'linux'), true);
    assert.equal(overlaps('/a', '/', 'linux'), true);
  });

  it('ignores letter case on darwin only', () => {
    assert.equal(overlaps('/Users/Me/Proj', '/users/me/proj', 'darwin'), true);
    assert.equal(overlaps('/Users/Me/Proj/src', '/users/me/proj', 'darwin'), true);
    assert.equal(overlaps('/Users/Me/Projx', '/users/me/proj', 'darwin'), false);
    assert.equal(overlaps('/home/Me/Proj', '/home/me/proj', 'linux'), false);
    assert.equal(overlaps('/home/Me/Proj/src', '/home/me/proj', 'linux'), false);
  });
});

describe('canonicalDir', () => {
  let root: string;
  let real: string;

  before(() => {
    // realpath: the temp dir itself may sit behind a symlink (/tmp on macOS).
    root = realpathSync(mkdtempSync(join(tmpdir(), 'rcd-workdir-')));
    real = join(root, 'real');
    mkdirSync(join(real, 'sub'), { recursive: true });
    symlinkSync(real, join(root, 'link'));
    symlinkSync(join(root, 'link'), join(root, 'link-to-link'));
    writeFileSync(join(root, 'file'), '');
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  it('returns a real directory unchanged', () => {
    assert.equal(canonicalDir(real), real);
  });

  it('resolves symlinks, also chains of them', () => {
    assert.equal(canonicalDir(join(root, 'link')), real);
    assert.equal(canonicalDir(join(root, 'link-to-link')), real);
    assert.equal(canonicalDir(join(root, 'link', 'sub')), join(real, 'sub'));
  });

  it('resolves ".." and "."', () => {
    assert.equal(canonicalDir(join(real, 'sub') + '/..'), real);
    assert.equal(canonicalDir(`${real}/./sub/../.`), real);
    assert.equal(canonicalDir(`${root}/link/sub/..`), real);
  });

  it('drops trailing slashes', () => {
    assert.equal(canonicalDir(`${real}/`), real);
    assert.equal(canonicalDir(`${real}//`), real);
  });

  it('makes a symlinked spelling of a live directory collide with it', () => {
    assert.equal(overlaps(canonicalDir(join(root, 'link', 'sub')), canonicalDir(`${real}/`)), true);
  });

  it('refuses a directory that does not exist, naming it', () => {
    const missing = join(root, 'missing');
    assert.throws(() => canonicalDir(missing), (err: unknown) => {
      assert.ok(err instanceof RcdError);
      assert.equal(err.code, 'BAD_REQUEST');
      assert.ok(err.message.includes(missing), err.message);
      assert.match(err.message, /does not exist/);
      return true;
    });
  });

  it('refuses a file, saying it is not a directory', () => {
    assert.throws(() => canonicalDir(join(root, 'file')), (err: unknown) => {
      assert.ok(err instanceof RcdError);
      assert.match(err.message, /not a directory/);
      return true;
    });
  });
});
