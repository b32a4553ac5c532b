// Node flags the daemon runs with, wherever it is started from: on the command line of the CLI's auto-start and of
// the login service (systemd ExecStart=, launchd ProgramArguments), never NODE_OPTIONS, which refuses most V8 flags.
// Figures: docs/benchmarks.md, "Idle footprint". (v8.setFlagsFromString at run time comes too late for either.)
//  - a 1 MB semi-space: the daemon idles with a small heap, and V8's default 16 MB young generation only inflates its
//    resident memory (83 MB RSS by default against 74 MB, 32 sessions);
//  - no JIT (V8's interpreter only, no WebAssembly): the compilers' code and their output are ~9 MB of an idle
//    daemon's memory, and its work is a few functions per event (the relay round trip, timed side by side, is the
//    same within noise). `--no-expose-wasm` says what --jitless implies, and silences V8's warning about it.
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--jitless', '--no-expose-wasm'];
