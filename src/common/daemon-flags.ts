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
//    once): ~0.5 MB.
export const DAEMON_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=1', '--jitless', '--no-expose-wasm', '--no-icu-timezone-data', '--optimize-for-size', '--bytecode-old-age=1',
];
