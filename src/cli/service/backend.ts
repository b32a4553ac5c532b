// What `rcd service` needs from a service manager; systemd.ts and launchd.ts provide it.
import type { ServiceSpec } from './spec.js';

/** In the list of install steps: the running daemon goes before the service's starts (one daemon per RCD_HOME). */
export const HANDOVER_STEP = 'stop the running rcd daemon over its socket (agents keep running)';

export interface ManagerState {
  /** Starts at login. null: cannot tell (the manager is not reachable). */
  enabled: boolean | null;
  running: boolean | null;
  pid: number | null;
  /** The manager's own word for the state ("active (running)", "failed (exit-code)", "not loaded"), if known. */
  detail: string | null;
}

export interface Backend {
  readonly kind: 'systemd' | 'launchd';
  /** The unit's or label's name: "rcd.service", "dev.rcd.daemon". */
  readonly name: string;
  /** "systemd user unit rcd.service", "launchd agent dev.rcd.daemon". */
  readonly title: string;
  readonly spec: ServiceSpec;
  /** The unit or plist for this rcd, as it would be installed. */
  render(): Promise<string>;
  /** null when the manager answers; otherwise why not, as a clause for a sentence. */
  unreachable(): string | null;
  /** After writing the file, before the old daemon goes: the manager drops the old definition and reads the new. */
  reload(): void;
  /** Starts at login from now on, and starts now. */
  start(): Promise<void>;
  /** Stops now and no longer at login (before the file is removed). */
  stop(): void;
  /** After the file is removed. */
  forget(): void;
  state(reachable: boolean): ManagerState;
  /** The command line an installed file runs (absolute node, CLI entry, `daemon`), or null if it names none. */
  program(text: string): Promise<string[] | null>;
  /** The manager commands install and uninstall run, for --dry-run and messages. */
  readonly installSteps: string[];
  readonly uninstallSteps: string[];
  /** Where the service's daemon writes, for people. */
  readonly logsHint: string;
  /** Lines to print after a successful install (advice). */
  advice(): string[];
}

export async function backendFor(spec: ServiceSpec): Promise<Backend> {
  if (spec.platform === 'darwin') return (await import('./launchd.js')).launchdBackend(spec);
  return (await import('./systemd.js')).systemdBackend(spec);
}
