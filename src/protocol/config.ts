// The daemon's config file (RCD_HOME/config.json). Every field is optional; defaults live here.
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** What webhooks can be told of: a session needs a person (approval, question, plan), ended a turn, or ended. */
export const NOTIFY_EVENTS = ['approval', 'question', 'plan', 'turn', 'exited', 'failed'] as const;

export const ConfigFile = z
  .object({
    maxSessions: z.number().int().min(1).max(4096).optional(),
    stopGraceMs: z.number().int().min(0).max(600_000).optional(),
    logLevel: z.enum(LOG_LEVELS).optional(),
    restartBackoffMs: z.number().int().min(10).max(60_000).optional(),
    retentionBytes: z.number().int().min(64 * 1024).optional(),
    relayUrl: z.string().url().optional(),
    /** Deny a tool-call approval nobody answered after this long; unset or 0: wait for an answer, however long. */
    approvalTimeoutMs: z.number().int().min(0).max(30 * 86_400_000).optional(),
    /** Webhooks: POSTed a small JSON document when a session needs a person, ends a turn, or ends (src/daemon/remote/notify.ts). */
    notify: z.array(z.object({
      url: z.string().url().refine((u) => /^https?:/.test(u), 'a webhook URL is http(s)'),
      /** Which events; none: all. */
      events: z.array(z.enum(NOTIFY_EVENTS)).min(1).optional(),
      /** Include the request's text or the turn's result (off: names, kinds and times only). */
      content: z.boolean().optional(),
    }).strict()).max(16).optional(),
    /**
     * Directories under which `rcd remote start` (a device URL's holder) may start sessions; none: remote start is off.
     * Absolute paths; checked on the real path, in the daemon (src/daemon/remote/remote-start.ts).
     */
    remoteStartRoots: z.array(z.string().min(1).max(4096).refine((p) => p.startsWith('/'), 'a remoteStartRoots entry is an absolute path')).max(64).optional(),
  })
  .strict();

export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export interface Webhook {
  url: string;
  events: readonly NotifyEvent[];
  content: boolean;
}
export type ConfigFile = z.infer<typeof ConfigFile>;

export interface Config {
  maxSessions: number;
  stopGraceMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  restartBackoffMs: number;
  retentionBytes: number;
  relayUrl: string | null;
  approvalTimeoutMs: number | null;
  notify: Webhook[];
  remoteStartRoots: string[];
}

// 32 live agents is already more than two cores can usefully drive; the cap protects the machine from a runaway script.
export const DEFAULT_MAX_SESSIONS = 32;
// Long enough for an agent to flush its transcript after SIGTERM, short enough that `rcd stop` feels prompt.
export const DEFAULT_STOP_GRACE_MS = 5_000;

// First restart after 1 s, doubling per quick failure (see src/daemon/sessions/restart-policy.ts).
export const DEFAULT_RESTART_BACKOFF_MS = 1_000;

// Output kept per session: hours of a chatty agent's transcript, and bounded for a runaway one.
export const DEFAULT_RETENTION_BYTES = 50 * 1024 * 1024;

export function resolveConfig(file: ConfigFile, env: NodeJS.ProcessEnv): Config {
  return {
    maxSessions: file.maxSessions ?? DEFAULT_MAX_SESSIONS,
    stopGraceMs: file.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
    logLevel: file.logLevel ?? 'info',
    restartBackoffMs: file.restartBackoffMs ?? DEFAULT_RESTART_BACKOFF_MS,
    retentionBytes: file.retentionBytes ?? DEFAULT_RETENTION_BYTES,
    relayUrl: env.RCD_RELAY_URL || file.relayUrl || null,
    approvalTimeoutMs: file.approvalTimeoutMs || null,
    notify: (file.notify ?? []).map((w) => ({ url: w.url, events: w.events ?? NOTIFY_EVENTS, content: w.content === true })),
    remoteStartRoots: file.remoteStartRoots ?? [],
  };
}
