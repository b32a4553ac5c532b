// What a login service for this rcd is made of: the programs it runs (absolute paths), the state directory, the
// environment the daemon needs, and where the service file goes. Read from this process and its environment.
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { DAEMON_NODE_FLAGS, daemonTunables } from '../../common/daemon-flags.js';
import { RcdError } from '../../common/errors.js';
import { layout, resolveHome } from '../../common/paths.js';

export const PLATFORMS = ['linux', 'darwin'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const SYSTEMD_UNIT = 'rcd.service';
/** launchd labels are reverse-DNS by convention; the plist is named after it. */
export const LAUNCHD_LABEL = 'dev.rcd.daemon';

export interface ServiceSpec {
  platform: Platform;
  /** The node binary that runs this CLI now. */
  node: string;
  /** The daemon's own node flags, between node and the CLI on the command line (src/common/daemon-flags.ts). */
  nodeFlags: readonly string[];
  /** This CLI's entry (the bundle), symlinks resolved: `npm link`'s bin symlink may not outlive the package. */
  cli: string;
  /** RCD_HOME, pinned in the service so it and the CLI in a login shell agree. */
  home: string;
  /** Where launchd sends the daemon's stdout and stderr (the same file the CLI's background start uses). */
  daemonOut: string;
  /** The daemon's environment, in the order it is written. */
  env: [string, string][];
  /** Where the unit or plist is installed. */
  file: string;
}

export function hostPlatform(): Platform {
  return process.platform === 'darwin' ? 'darwin' : 'linux';
}

/** RCD_HOME as a CLI on `platform` computes it (the other platform's default only matters for --dry-run). */
function homeFor(platform: Platform, env: NodeJS.ProcessEnv): string {
  if (platform === hostPlatform() || env.RCD_HOME) return resolveHome(env);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'rcd');
  return join(resolve(env.XDG_STATE_HOME || join(homedir(), '.local', 'state')), 'rcd');
}

export function serviceFile(platform: Platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
  // systemd reads user units from $XDG_CONFIG_HOME/systemd/user; the spec ignores a relative XDG_CONFIG_HOME.
  const config = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(config, 'systemd', 'user', SYSTEMD_UNIT);
}

export function cliEntry(argv1: string | undefined = process.argv[1]): string {
  if (!argv1) throw new RcdError('INTERNAL', 'cannot tell which file runs this rcd (no script in process.argv); run it as `rcd` or `node <path>/rcd.cjs`');
  return realpathSync(argv1);
}

export function serviceSpec(platform: Platform, env: NodeJS.ProcessEnv = process.env): ServiceSpec {
  const home = homeFor(platform, env);
  const daemonEnv: [string, string][] = [['RCD_HOME', home]];
  // PATH as it is now: agents the daemon starts or restores must find the same tools as in this shell.
  if (env.PATH) daemonEnv.push(['PATH', env.PATH]);
  if (env.RCD_RELAY_URL) daemonEnv.push(['RCD_RELAY_URL', env.RCD_RELAY_URL]);
  // The socket's fallback place (long RCD_HOME) depends on the temp dir; the daemon must compute the CLI's.
  if (env.TMPDIR) daemonEnv.push(['TMPDIR', env.TMPDIR]);
  // glibc's malloc tuned for a long-lived daemon (src/common/daemon-flags.ts); launchd's daemon has no glibc.
  if (platform === 'linux') daemonEnv.push(['GLIBC_TUNABLES', daemonTunables(env.GLIBC_TUNABLES)]);
  return {
    platform,
    node: process.execPath,
    nodeFlags: DAEMON_NODE_FLAGS,
    cli: cliEntry(),
    home,
    daemonOut: layout(home, env).daemonOut,
    env: daemonEnv,
    file: serviceFile(platform, env),
  };
}
