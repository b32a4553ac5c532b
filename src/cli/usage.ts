// Help texts. One usage line per command, shown with usage errors (exit 2) and by --help.
export const USAGE: Record<string, string> = {
  daemon: 'rcd daemon',
  start: 'rcd start [--cwd DIR] [--name NAME] [--agent generic|claude] [--restart no|on-failure|always] [--worktree [--branch B]] [--json] [-- CMD ARGS...]   (--worktree: a git worktree of its own, on a new branch, default rcd/NAME)',
  status: 'rcd status [SESSION] [--json]',
  logs: 'rcd logs SESSION [-f|--follow] [--json]   (--json: a claude session\'s raw output lines, as Claude Code wrote them)',
  send: 'rcd send SESSION [--] TEXT [--json]   (TEXT "-" reads standard input; put -- before a TEXT that starts with -)',
  approvals: 'rcd approvals [SESSION] [--all|--audit] [--json]   (tool calls, questions and plans waiting for an answer; --all: decided ones too; --audit: the audit trail)',
  approve: 'rcd approve SESSION [REQUEST] [--always|--mode default|acceptEdits|bypassPermissions|plan] [--json]   (no REQUEST: the oldest pending one; ' +
    '--always: allow the same again this session; --mode: accept a plan and switch to MODE)',
  deny: 'rcd deny SESSION [REQUEST] [-m|--message M] [--json]   (on a plan: Claude keeps planning, with M as feedback)',
  answer: 'rcd answer SESSION [REQUEST] ANSWER... [--json]   (one ANSWER per question: an option\'s number or label, or your own words; ' +
    'several options of a multiSelect question joined by commas)',
  mode: 'rcd mode SESSION default|acceptEdits|bypassPermissions|plan [--json]   (switches a running claude session\'s permission mode, kept for its next runs)',
  interrupt: 'rcd interrupt SESSION [--json]   (ends the running turn of a claude session; it keeps running and takes the next prompt)',
  stop: 'rcd stop SESSION [--json]',
  restart: 'rcd restart SESSION [--json]   (runs it again, stopping it first if it runs: same id and URL; claude resumes its conversation)',
  rm: 'rcd rm SESSION [--force] [--json]   (a clean worktree rcd made goes too, its branch stays; --force: one with uncommitted work)',
  shutdown: 'rcd shutdown   (stops the daemon; agents keep running)',
  url: 'rcd url SESSION|--device [--view] [--rotate|--revoke] [--expires-in DURATION] [--json]   (--device: one URL for every session of this daemon; --view: the read-only URL; --rotate, --revoke and --expires-in apply to both URLs)',
  remote: 'rcd remote status URL [--json] | logs URL [--follow] | send URL TEXT | approve URL [REQUEST] [--always|--mode MODE] | deny URL [REQUEST] [--message M] | answer URL [REQUEST] ANSWER... | mode URL MODE | interrupt URL | stop URL | restart URL | start DEVICE_URL --cwd DIR [--name N] [--agent generic|claude] [--worktree [--branch B]] [--wait S] [-- ARGS] | dirs DEVICE_URL [DIR]   (URL: a session URL, or a device URL with --session NAME|ID; status DEVICE_URL lists its sessions)',
  service: 'rcd service install|uninstall|status [--dry-run] [--platform linux|darwin] [--json]   (the login service)',
  relay: 'rcd relay [--host H] [--port P] [--data DIR] [--store URL [--store-connections N]] [--cert FILE --key FILE] [--keep-events N] [--keep-bytes N] [--keep-age DURATION] ' +
    '[--max-long-polls N] [--max-connections N] [--register-burst N] [--register-per-hour N] [--trust-proxy] [--established-after DURATION] ' +
    '[--max-daemons N] [--max-sessions N] [--max-pending N] [--max-event-bytes N] [--max-uploads-per-second N] [--push-hosts H,...] [--push-contact URL]   (the self-hostable relay, in the foreground)',
};

/**
 * `rcd relay --help` after the usage line: what each flag bounds and its default. The defaults are written out
 * here because the CLI bundle never loads relay code; test/unit/relay-limits.test.ts checks them against
 * src/relay/limits.ts.
 */
export const RELAY_HELP = `Flags (README "The relay"):
  --host H                 address to listen on (default 127.0.0.1; plain http only on loopback)
  --port P                 port (default 8787; 0 picks a free one)
  --data DIR               relay.db and relay.log (default $RCD_HOME/relay)
  --store URL              a PostgreSQL database shared by several instances, postgres://USER@HOST:PORT/DB
                           (default: relay.db in --data; also RCD_RELAY_STORE, which keeps a password out of ps)
  --store-connections N    connections to that database per instance (default 32)
  --cert FILE --key FILE   serve HTTPS with this PEM certificate chain and key
  --keep-events N          events kept per session (default 100000)
  --push-hosts H,...       push services Web Push is delivered to, with their subdomains (default
                           fcm.googleapis.com,push.services.mozilla.com,push.apple.com,notify.windows.com)
  --push-contact URL       VAPID contact a push service may write to (mailto: or https:; default mailto:rcd-relay@invalid)
  --keep-bytes N           bytes of events kept per session (default 67108864)
  --keep-age DURATION      events older than this are pruned, like 12h or 30d (default 30d)
Limits (429 or 503 with Retry-After, 413 beyond):
  --max-long-polls N       long-polls held at once (default 20000); daemons registered in the last hour get half
  --max-connections N      open connections at once (default --max-long-polls + 5000); the open files limit must allow it
  --established-after D    a daemon registered this long ago may use every long-poll slot (default 1h)
  --register-burst N       daemons one address (IPv4, IPv6 /64) may register at once (default 10)
  --register-per-hour N    registrations an address gets back per hour after that (default 10)
  --trust-proxy            count registrations by X-Forwarded-For from a proxy on loopback (default off)
  --max-daemons N          registered daemons in all (default 10000)
  --max-sessions N         sessions per daemon (default 1000)
  --max-pending N          instructions waiting per session URL (default 100)
  --max-event-bytes N      one uploaded event's data, in characters (default 131072)
  --max-uploads-per-second N  event uploads per daemon and second (default 50)
`;

export const HELP = `rcd — keeps AI coding-agent sessions alive and steerable

Usage:
${Object.values(USAGE).map((u) => `  ${u}`).join('\n')}
  rcd --version | --help | COMMAND --help

SESSION is a session id, a unique prefix of one, or a session name.
Every command but daemon, relay, remote, shutdown and service starts the daemon in the background when none runs.

Environment:
  RCD_HOME        state directory (default: $XDG_STATE_HOME/rcd or ~/.local/state/rcd)
  RCD_RELAY_URL   relay the daemon links to (unset: no link)
  RCD_CLAUDE_BIN  the Claude Code executable for --agent claude (default: claude on PATH)

Exit status: 0 success, 2 usage error, 1 any other error.
`;
