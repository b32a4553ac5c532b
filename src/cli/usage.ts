// Help texts. One usage line per command, shown with usage errors (exit 2) and by --help.
export const USAGE: Record<string, string> = {
  daemon: 'rcd daemon',
  start: 'rcd start [--cwd DIR] [--name NAME] [--agent generic|claude] [--restart no|on-failure|always] [--json] [-- CMD ARGS...]',
  status: 'rcd status [SESSION] [--json]',
  logs: 'rcd logs SESSION [-f|--follow] [--json]   (--json: a claude session\'s raw output lines, as Claude Code wrote them)',
  send: 'rcd send SESSION [--] TEXT [--json]   (TEXT "-" reads standard input; put -- before a TEXT that starts with -)',
  approvals: 'rcd approvals [SESSION] [--all|--audit] [--json]   (tool calls waiting for an answer; --all: decided ones too; --audit: the audit trail)',
  approve: 'rcd approve SESSION [REQUEST] [--json]   (no REQUEST: the oldest pending one)',
  deny: 'rcd deny SESSION [REQUEST] [-m|--message M] [--json]',
  stop: 'rcd stop SESSION [--json]',
  restart: 'rcd restart SESSION [--json]   (runs it again, stopping it first if it runs: same id and URL; claude resumes its conversation)',
  rm: 'rcd rm SESSION [--json]',
  shutdown: 'rcd shutdown   (stops the daemon; agents keep running)',
  url: 'rcd url SESSION [--rotate|--revoke] [--expires-in DURATION] [--json]   (--expires-in issues a new URL: the current one stops working)',
  remote: 'rcd remote status URL [--json] | logs URL [--follow] | send URL TEXT | approve URL [REQUEST] | deny URL [REQUEST] [--message M]',
  service: 'rcd service install|uninstall|status [--dry-run] [--platform linux|darwin] [--json]   (the login service)',
  relay: 'rcd relay [--host H] [--port P] [--data DIR] [--cert FILE --key FILE] [--keep-events N]   (the self-hostable relay, in the foreground)',
};

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
