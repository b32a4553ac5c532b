// Where the control socket lives: in RCD_HOME when the path fits the unix limit, else in a short per-user place
// that every CLI and daemon for the same home computes identically.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { MAX_SOCKET_PATH_BYTES, socketPath } from '../../src/common/paths.js';

const bytes = (s: string) => Buffer.byteLength(s);
const NO_RUNTIME_DIR: NodeJS.ProcessEnv = {};
/** A home whose in-home socket path (`<home>/rcd.sock`) is exactly `n` bytes long. */
const homeForSocketOf = (n: number) => `/tmp/${'h'.repeat(n - '/tmp/'.length - '/rcd.sock'.length)}`;

describe('socketPath', () => {
  const savedTmp = process.env.TMPDIR;
  afterEach(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  });

  it('keeps the socket in RCD_HOME when the path is short enough', () => {
    assert.equal(socketPath('/tmp/rcd-abc', NO_RUNTIME_DIR), '/tmp/rcd-abc/rcd.sock');
  });

  it('keeps it in RCD_HOME up to exactly 103 bytes, and moves it at 104', () => {
    assert.equal(MAX_SOCKET_PATH_BYTES, 103);
    const fits = homeForSocketOf(103);
    assert.equal(socketPath(fits, NO_RUNTIME_DIR), join(fits, 'rcd.sock'));
    const tooLong = homeForSocketOf(104);
    const moved = socketPath(tooLong, NO_RUNTIME_DIR);
    assert.ok(!moved.startsWith(tooLong), moved);
    assert.ok(bytes(moved) <= MAX_SOCKET_PATH_BYTES, moved);
  });

  it('falls back to a short path, under the limit, when RCD_HOME is long', () => {
    const home = `/tmp/${'deep/'.repeat(60)}home`;
    for (const env of [NO_RUNTIME_DIR, { XDG_RUNTIME_DIR: '/run/user/1000' }]) {
      const p = socketPath(home, env);
      assert.ok(!p.startsWith(home), p);
      assert.ok(bytes(p) <= MAX_SOCKET_PATH_BYTES, `${p} is ${bytes(p)} bytes`);
    }
  });

  it('measures the limit in bytes, not characters', () => {
    // 70 characters, 140 bytes: fits by length, not by bytes.
    const home = `/tmp/${'é'.repeat(65)}`;
    const p = socketPath(home, NO_RUNTIME_DIR);
    assert.ok(!p.startsWith(home), p);
    assert.ok(bytes(p) <= MAX_SOCKET_PATH_BYTES, p);
  });

  it('gives the same path for the same home and different paths for different homes', () => {
    const a = `/tmp/${'a'.repeat(150)}`;
    const b = `/tmp/${'a'.repeat(149)}b`;
    assert.equal(socketPath(a, NO_RUNTIME_DIR), socketPath(a, NO_RUNTIME_DIR));
    assert.equal(socketPath(a, { XDG_RUNTIME_DIR: '/run/user/1000' }), socketPath(a, { XDG_RUNTIME_DIR: '/run/user/1000' }));
    assert.notEqual(socketPath(a, NO_RUNTIME_DIR), socketPath(b, NO_RUNTIME_DIR));
  });

  it('uses a short XDG_RUNTIME_DIR for the fallback, and not a long one', () => {
    const home = `/tmp/${'x'.repeat(200)}`;
    assert.ok(socketPath(home, { XDG_RUNTIME_DIR: '/run/user/1000' }).startsWith('/run/user/1000/'));
    const longRuntime = `/run/${'r'.repeat(80)}`;
    const p = socketPath(home, { XDG_RUNTIME_DIR: longRuntime });
    assert.ok(!p.startsWith(longRuntime), p);
    assert.ok(bytes(p) <= MAX_SOCKET_PATH_BYTES, p);
  });

  it('stays under the limit even when the temp dir is long', () => {
    process.env.TMPDIR = `/tmp/${'t'.repeat(120)}`;
    const p = socketPath(`/tmp/${'x'.repeat(200)}`, NO_RUNTIME_DIR);
    assert.ok(bytes(p) <= MAX_SOCKET_PATH_BYTES, `${p} is ${bytes(p)} bytes`);
  });
});
