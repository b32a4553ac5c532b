// The daemon's environment additions (src/common/daemon-flags.ts): glibc's malloc tunables on Linux, merged with
// whatever GLIBC_TUNABLES the user already runs with, never overriding a tunable they set themselves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { daemonEnv, daemonTunables } from '../../src/common/daemon-flags.js';

describe('daemon environment', () => {
  it('sets a fixed mmap threshold and one arena for malloc on Linux', () => {
    const ours = 'glibc.malloc.mmap_threshold=16384:glibc.malloc.arena_max=1';
    assert.equal(daemonTunables(undefined), ours);
    assert.deepEqual(daemonEnv({ PATH: '/bin' }, 'linux'), { PATH: '/bin', GLIBC_TUNABLES: ours });
  });

  it("keeps the user's own tunables, and theirs wins where both name one", () => {
    assert.equal(daemonTunables('glibc.malloc.arena_max=2'), 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=16384');
    assert.equal(daemonTunables('glibc.malloc.mmap_threshold=65536:glibc.malloc.arena_max=2'), 'glibc.malloc.mmap_threshold=65536:glibc.malloc.arena_max=2');
    assert.equal(daemonTunables('glibc.malloc.tcache_count=0'), 'glibc.malloc.tcache_count=0:glibc.malloc.mmap_threshold=16384:glibc.malloc.arena_max=1');
    assert.equal(daemonTunables(''), 'glibc.malloc.mmap_threshold=16384:glibc.malloc.arena_max=1');
  });

  it('adds nothing where there is no glibc', () => {
    const env = { PATH: '/bin' };
    assert.equal(daemonEnv(env, 'darwin'), env);
  });
});
