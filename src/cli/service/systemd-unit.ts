// The systemd user unit: rendering service-units/rcd.service.in with values quoted the way systemd parses them,
// and reading back the ExecStart= of an installed unit. Pure.
import { RcdError } from '../../common/errors.js';
import { fillText, hasControlCharacter } from './template.js';

/** RestartSteps= and RestartMaxDelaySec= came with systemd 254; older ones warn "Unknown key" on them. */
export const RESTART_BACKOFF_SINCE = 254;
/** From RestartSec=1s, five steps up to 30 s: a crash loop backs off like the relay link does (1 s to a 30 s cap). */
const RESTART_BACKOFF = ['RestartSteps=5', 'RestartMaxDelaySec=30s'];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface UnitInput {
  node: string;
  nodeFlags: readonly string[];
  cli: string;
  env: [string, string][];
  /** `systemctl --version`'s number, or null when unknown (then only keys every supported systemd knows). */
  systemdVersion: number | null;
}

function checkValue(what: string, value: string): void {
  // A unit file is line-based and systemd's parser takes no raw control characters; refuse rather than mangle.
  if (hasControlCharacter(value)) {
    throw new RcdError('BAD_REQUEST', `${what} contains a control character (such as a newline), which a systemd unit cannot carry; fix it and run again`);
  }
}

/** Inside a double-quoted systemd word: C-style escapes for `\` and `"`, and `%%` because specifiers are expanded. */
function escapeQuoted(text: string): string {
  return text.replace(/[\\"]/g, '\\$&').replace(/%/g, '%%');
}

/**
 * One word of ExecStart=, always double-quoted. Arguments also get `$$` for `$` (systemd substitutes $VAR in
 * them); the executable path is not substituted, so a `$` there stays single.
 */
export function execWord(word: string, position: 'program' | 'argument'): string {
  checkValue(`the path ${JSON.stringify(word)}`, word);
  if (position === 'program' && /["'\\]/.test(word)) {
    // systemd refuses such a program path outright ("Executable name contains special characters").
    throw new RcdError('BAD_REQUEST', `systemd cannot run a program whose path contains a quote or a backslash (${word}); run rcd with a node installed elsewhere`);
  }
  const quoted = escapeQuoted(word);
  return `"${position === 'argument' ? quoted.replace(/\$/g, '$$$$') : quoted}"`;
}

/** `Environment="NAME=value"`: quoted (values have spaces), C-escaped, `%%`; `$` has no meaning there. */
export function environmentLine(name: string, value: string): string {
  if (!ENV_NAME.test(name)) throw new RcdError('BAD_REQUEST', `"${name}" is not a valid environment variable name for a systemd unit`);
  checkValue(`the environment variable ${name}`, value);
  return `Environment="${escapeQuoted(`${name}=${value}`)}"`;
}

export function restartBackoff(systemdVersion: number | null): string[] {
  return systemdVersion !== null && systemdVersion >= RESTART_BACKOFF_SINCE ? RESTART_BACKOFF : [];
}

export function renderSystemdUnit(template: string, input: UnitInput): string {
  return fillText(template, {
    NODE: execWord(input.node, 'program'),
    NODE_FLAGS: input.nodeFlags.map((flag) => execWord(flag, 'argument')).join(' '),
    CLI: execWord(input.cli, 'argument'),
    ENVIRONMENT: input.env.map(([name, value]) => environmentLine(name, value)),
    RESTART_BACKOFF: restartBackoff(input.systemdVersion),
  });
}

/** `systemd 252 (252.38-1~deb12u1)` → 252. */
export function parseSystemdVersion(text: string): number | null {
  const m = /^systemd (\d+)\b/m.exec(text);
  return m ? Number(m[1]) : null;
}

const C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', s: ' ' };

/** Splits a unit value into words as systemd does for the quoting rcd writes (double/single quotes, C escapes). */
export function splitWords(value: string): string[] {
  const words: string[] = [];
  let i = 0;
  const at = (k: number) => value.charAt(k);
  const space = (k: number) => /\s/.test(at(k));
  while (i < value.length) {
    while (i < value.length && space(i)) i++;
    if (i >= value.length) break;
    let word = '';
    while (i < value.length && !space(i)) {
      const c = at(i);
      if (c === '"' || c === "'") {
        for (i++; i < value.length && at(i) !== c; i++) {
          if (at(i) === '\\' && i + 1 < value.length) word += C_ESCAPES[at(++i)] ?? at(i);
          else word += at(i);
        }
        i++;
      } else if (c === '\\' && i + 1 < value.length) {
        word += C_ESCAPES[at(i + 1)] ?? at(i + 1);
        i += 2;
      } else {
        word += c;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

/** The command line of an installed unit's (last) ExecStart=, unescaped; null when it has none. */
export function unitExecStart(unit: string): string[] | null {
  const lines = unit.split('\n').filter((l) => /^\s*ExecStart\s*=/.test(l));
  const last = lines.at(-1);
  if (last === undefined) return null;
  const value = last.slice(last.indexOf('=') + 1).trim().replace(/^[-@:+!]+/, '');
  const words = splitWords(value).map((w, k) => (k === 0 ? w : w.replace(/\$\$/g, '$')).replace(/%%/g, '%'));
  return words.length > 0 ? words : null;
}
