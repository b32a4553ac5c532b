// What every CLI command gets: the daemon client and the three ways to print. In a module of its own so that commands
// do not import cli/main.ts (which imports every command) back.
import type { Client } from './client.js';

export type DaemonClient = Pick<Client, 'call' | 'stream'>;

export interface CommandContext {
  client(opts?: { autostart?: boolean }): DaemonClient;
  /** A line (or lines) for people on stdout, through the terminal sanitizer: it may hold names, paths, agent text. */
  out(text: string): void;
  /** A line for people on stderr, sanitized the same way. */
  err(text: string): void;
  /** `--json` output: one JSON document on stdout, raw (JSON escapes C0 controls itself; scripts get the data as is). */
  json(value: unknown, pretty?: boolean): void;
}
