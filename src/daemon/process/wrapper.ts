// The wrapper each agent runs under (what it does: src/daemon/process/agent-process.ts). Two implementations of one
// contract, `WRAPPER DIR CMD [ARGS...]`:
//  - dist/rcd-agent-wrapper, compiled from native/agent-wrapper.c by `npm run build` on Linux (x86-64, arm64):
//    no C library, ~8 KB of memory per session;
//  - the POSIX sh script below, ~115 KB per session (dash and libc's relocated data), everywhere else: macOS, or
//    where the binary could not be built. RCD_AGENT_WRAPPER=sh in the daemon's environment forces it.
// One difference: under the script the agent ignores SIGINT and SIGQUIT (sh runs it as a background job, which a
// shell without job control does that way); the compiled wrapper leaves every signal at its default.
// The binary is looked up once, beside the daemon bundle (dist/rcd-daemon.cjs) or above the compiled tree (tests).
import { accessSync, closeSync, constants, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BINARY = 'rcd-agent-wrapper';
// ELF e_machine of the architectures native/agent-wrapper.c is written for.
const ELF_MACHINE: Partial<Record<NodeJS.Architecture, number>> = { x64: 62, arm64: 183 };

/** An ELF executable for this machine's architecture (a dist/ copied from another machine must not be run). */
function runsHere(file: string): boolean {
  const head = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  return head.readUInt32BE(0) === 0x7f454c46 && process.platform === 'linux' && head.readUInt16LE(18) === ELF_MACHINE[process.arch];
}

const SH_WRAPPER = `
dir=$1; shift
# A handled (not ignored) TERM/INT lets the wrapper outlive a group-wide signal and still record the agent's
# status; handled signals are reset to their defaults in the agent, ignored ones would be inherited.
trap : TERM INT HUP
[ -p "$dir/stdin" ] || mkfifo -m 600 "$dir/stdin" || exit 126
exec 3<>"$dir/stdin"
"$@" 0<&3 3<&- 4>&- &
pid=$!
# From here on the wrapper's own chatter (the shell's "Terminated" notices) must not land in the agent's output.
exec 3<&- 2>/dev/null
printf '%s\\n' "$pid" > "$dir/agent.pid"
printf '%s\\n' "$pid" >&4
exec 4>&-
while :; do
  wait "$pid"; st=$?
  kill -0 "$pid" 2>/dev/null || break
done
printf '%s\\n' "$st" > "$dir/exit.tmp" && mv -f "$dir/exit.tmp" "$dir/exit"
exit "$st"
`;

export type WrapperKind = 'compiled' | 'sh';

let found: string | null | undefined;

/** dist/rcd-agent-wrapper when it is there and executable (and not turned off), else null. */
export function compiledWrapper(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.RCD_AGENT_WRAPPER === 'sh') return null;
  if (found !== undefined) return found;
  found = null;
  for (let dir = dirname(fileURLToPath(import.meta.url)), up = 0; up < 5; dir = dirname(dir), up++) {
    try {
      accessSync(join(dir, BINARY), constants.X_OK);
      if (runsHere(join(dir, BINARY))) found = join(dir, BINARY);
      break;
    } catch {
      // not in this directory
    }
  }
  return found;
}

export function wrapperKind(): WrapperKind {
  return compiledWrapper() ? 'compiled' : 'sh';
}

/** The sh wrapper's program and arguments for `command` in session directory `dir`. */
export function shWrapperCommand(dir: string, command: readonly string[]): [string, string[]] {
  return ['/bin/sh', ['-c', SH_WRAPPER, 'rcd-agent', dir, ...command]];
}

/** The program and arguments that run `command` under the wrapper, for session directory `dir`. */
export function wrapperCommand(dir: string, command: readonly string[]): [string, string[]] {
  const binary = compiledWrapper();
  return binary ? [binary, [dir, ...command]] : shWrapperCommand(dir, command);
}
