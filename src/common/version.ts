// The rcd version, compiled in so the CLI never reads package.json on its hot path.
// test/unit/version.test.ts keeps it equal to package.json's "version".
export const VERSION = '0.1.0';

// Bumped when the control API changes incompatibly; the CLI refuses to talk to a daemon with another one.
export const API_VERSION = 1;
