// Loads RCD_HOME/config.json and watches it with chokidar. An invalid file is reported (log and `status`)
// and the last good config stays in force; limits and the log level apply without a restart.
import chokidar, { type FSWatcher } from 'chokidar';
import { readFileSync } from 'node:fs';
import { ConfigFile, resolveConfig, type Config } from '../protocol/config.js';
import { errnoCode } from '../common/errors.js';

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
    // awaitWriteFinish: editors write in several steps; read the file once it has settled.
    this.watcher = chokidar.watch(this.path, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 50 } });
    this.watcher.on('all', () => this.reload());
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }
}
