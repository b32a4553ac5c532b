// Loads RCD_HOME/config.json and watches it (fs.watch; chokidar cost 2.9 MB of memory for this one file:
// docs/benchmarks.md, issue #15). An invalid file is reported (log and `status`) and the last good config stays in
// force; limits and the log level apply without a restart.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ConfigFile, resolveConfig, type Config } from '../protocol/config.js';
import { errnoCode } from '../common/errors.js';

// Editors write in several steps (truncate and write, or a temp file renamed over it): read once it has settled.
const SETTLE_MS = 100;

export type ConfigResult = { ok: true; config: Config } | { ok: false; error: string };

export function readConfig(path: string, env: NodeJS.ProcessEnv): ConfigResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { ok: true, config: resolveConfig({}, env) };
    return { ok: false, error: `cannot read ${path}: ${(err as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `${path} is not valid JSON: ${(err as Error).message}` };
  }
  const parsed = ConfigFile.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    return { ok: false, error: `${path} is invalid (${issues}); keeping the previous settings` };
  }
  return { ok: true, config: resolveConfig(parsed.data, env) };
}

export class ConfigHolder {
  private current: Config;
  private lastError: string | null = null;
  private watcher: FSWatcher | null = null;
  private settle: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly path: string, private readonly env: NodeJS.ProcessEnv, private readonly onChange: (c: Config, error: string | null) => void) {
    const first = readConfig(path, env);
    this.current = first.ok ? first.config : resolveConfig({}, env);
    this.lastError = first.ok ? null : first.error;
  }

  get(): Config {
    return this.current;
  }

  error(): string | null {
    return this.lastError;
  }

  reload(): void {
    const next = readConfig(this.path, this.env);
    if (next.ok) {
      this.current = next.config;
      this.lastError = null;
    } else {
      this.lastError = next.error;
    }
    this.onChange(this.current, this.lastError);
  }

  watch(): void {
    this.arm();
  }

  /**
   * Watches the file itself while it exists, so that only its own changes wake the daemon (its directory also
   * holds the database, whose WAL changes with every write); its directory only while it does not exist. Re-armed
   * after every change: a file renamed over it is a new inode.
   */
  private arm(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.closed) return;
    try {
      this.watcher = watch(this.path, { persistent: false }, () => this.changed());
    } catch {
      try {
        this.watcher = watch(dirname(this.path), { persistent: false }, (_event, name) => {
          if (name === basename(this.path)) this.changed();
        });
      } catch {
        return; // no directory either: RCD_HOME is gone, and the daemon's socket check ends it
      }
    }
    this.watcher.on('error', () => this.changed());
  }

  private changed(): void {
    clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      this.arm();
      this.reload();
    }, SETTLE_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.settle);
    this.watcher?.close();
    this.watcher = null;
  }
}
