// Node flags the daemon runs with, wherever it is started from (the CLI's auto-start, the login service).
// The daemon idles with a small heap; V8's default 16 MB young generation only inflates its resident memory:
// measured with 32 sessions, 83 MB RSS by default and 74 MB with a 1 MB semi-space. (Setting the flag at run time
// with v8.setFlagsFromString comes too late to take effect.)
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
