// Node flags the daemon runs with, wherever it is started from: on the command line of the CLI's auto-start and of
// the login service (systemd ExecStart=, launchd ProgramArguments), never NODE_OPTIONS, which refuses most V8 flags.
// Figures: docs/benchmarks.md, "Idle footprint". (v8.setFlagsFromString at run time comes too late for either.)
//  - a 1 MB semi-space: the daemon idles with a small heap, and V8's default 16 MB young generation only inflates its
//    resident memory (83 MB RSS by default against 74 MB, 32 sessions);
//  - no JIT (V8's interpreter only, no WebAssembly): the compilers' code and their output are ~9 MB of an idle
//    daemon's memory, and its work is a few functions per event (the relay round trip, timed side by side, is the
//    same within noise). `--no-expose-wasm` says what --jitless implies, and silences V8's warning about it;
//  - local time from the C library's time zone database, not ICU's (~0.9 MB of ICU code and data for the one
//    local-time question the daemon asks: is it past 04:17; only Date#toString's zone name is shorter, "CET");
//  - V8's own trade-offs for size, and bytecode of functions unused for one full GC flushed (start-up code runs
//    once): ~0.5 MB;
//  - `gc()`, for the one full collection after a burst of work that V8 would not run in an idle process
//    (src/daemon/heap-shrink.ts): after a 20 MB backlog went up, ~4 MB of heap given back.
export const DAEMON_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=1', '--jitless', '--no-expose-wasm', '--no-icu-timezone-data', '--optimize-for-size', '--bytecode-old-age=1',
  '--expose-gc',
];

// glibc's malloc, tuned the only way it can be from outside: GLIBC_TUNABLES in the daemon's environment, read once
// at start (elsewhere than Linux with glibc it is ignored, and not set). Blocks of 16 KiB and more (output chunks,
// upload bodies, sealed events) get mappings of their own, unmapped when freed. By default glibc raises that
// threshold each time it frees a large block, up to 32 MB, after which such buffers come from the main heap, which
// only gives memory back from its top: a daemon that had served a 20 MB backlog to a phone stayed ~20 MB larger
// for good (70 MB against 50 MB, docs/benchmarks.md, "Idle footprint"). And one arena for all of the daemon's
// threads instead of one per thread (up to 8 per core), each keeping the memory its thread freed: 0.3 MB less
// idle; the daemon's threads (libuv's pool, V8's helpers) allocate little, so they hardly contend for it. Agents
// never see these: they get their session's environment, not the daemon's.
const MALLOC_TUNABLES: readonly [string, string][] = [['glibc.malloc.mmap_threshold', '16384'], ['glibc.malloc.arena_max', '1']];

/**
 * The environment to start the daemon with: `env` plus the malloc tunables above on Linux. A tunable the user
 * already set in GLIBC_TUNABLES is left as they set it.
 */
export function daemonEnv(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  return platform === 'linux' ? { ...env, GLIBC_TUNABLES: daemonTunables(env.GLIBC_TUNABLES) } : env;
}

/** GLIBC_TUNABLES for the daemon: `current` (the user's, if any) and those of ours it does not name. */
export function daemonTunables(current: string | undefined): string {
  const named = new Set((current ?? '').split(':').map((t) => t.split('=')[0]));
  const ours = MALLOC_TUNABLES.filter(([name]) => !named.has(name)).map(([name, value]) => `${name}=${value}`);
  return [...(current ? [current] : []), ...ours].join(':');
}
