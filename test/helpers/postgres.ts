// A throwaway PostgreSQL cluster for the shared-store tests and benchmarks: initdb and pg_ctl in a temp directory
// (as the `postgres` user when this runs as root: PostgreSQL refuses to run as root), listening only on a Unix socket
// in that directory (no TCP port at all), trust authentication for the local user, stopped with `-m immediate` and
// deleted afterwards. Never a system service.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgCluster {
  /** The directory holding the cluster and its socket. */
  dir: string;
  /** A URL for a database of this cluster (the `postgres` database unless named). */
  url(database?: string): string;
  /** A new, empty database; its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server at once (as a crash would), keeping its data: an outage. */
  halt(): void;
  /** Starts it again after `halt`. */
  resume(): void;
  /** Stops the cluster (immediate) and deletes its directory; safe to call twice. */
  stop(): void;
  /** pids of this cluster's server processes (to prove none is left). */
  pids(): number[];
}

/** Where Debian keeps PostgreSQL's server programs (not on PATH): the newest version installed, or PATH's. */
export function pgBin(program: string): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const p = join(root, v, 'bin', program);
      if (existsSync(p)) return p;
    }
  }
  return program;
}

const asRoot = process.getuid?.() === 0;

function run(program: string, args: string[]): string {
  const bin = pgBin(program);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

let counter = 0;

/** A new, empty database on the cluster `adminUrl` points to; its URL. */
export async function createDatabaseOn(adminUrl: string, prefix = 'rcd'): Promise<string> {
  const name = `${prefix}_${process.pid}_${++counter}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export function startPgCluster(): PgCluster {
  const dir = mkdtempSync(join(tmpdir(), 'rcd-pg-'));
  const data = join(dir, 'data');
  const user = asRoot ? 'postgres' : (process.env.USER ?? 'postgres');
  if (asRoot) {
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
  }
  chmodSync(dir, 0o755);
  let stopped = false;
  // No TCP listener, a socket in `dir`, small memory, no fsync (a throwaway cluster: speed over durability; the tests
  // kill relays, and halt() stops PostgreSQL without losing what it committed to its own files).
  const opts = `-c listen_addresses='' -k ${dir} -c unix_socket_permissions=0777 -c fsync=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=200`;
  const start = () => run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      if (existsSync(join(data, 'postmaster.pid'))) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    run('initdb', ['-D', data, '-U', user, '--auth=trust', '--encoding=UTF8', '--no-instructions', '-N']);
    start();
  } catch (err) {
    stop();
    const e = err as { stderr?: string; message: string };
    throw new Error(`could not start a throwaway PostgreSQL cluster: ${e.stderr ?? e.message}`);
  }
  // The socket directory as the host, percent-encoded (pg reads a host starting with / as a socket directory).
  const url = (database = 'postgres') => `postgres://${user}@${encodeURIComponent(dir)}/${database}`;
  return {
    dir,
    url,
    createDatabase: (prefix) => createDatabaseOn(url(), prefix),
    halt: () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    resume: start,
    stop,
    pids() {
      try {
        return execFileSync('pgrep', ['-f', `-k ${dir}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    },
  };
}
