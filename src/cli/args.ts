// Argument parsing on node:util's parseArgs: strict, so an unknown flag is a usage error (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { argsProblem, lowerFirst } from '../common/args-message.js';
import { RcdError } from '../common/errors.js';
import { USAGE } from './usage.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** Everything after the first `--`, untouched. */
  rest: string[];
}

/** A usage error (exit 2): one line on stderr, the problem and then the command's usage. */
export function usageError(command: string, message: string): RcdError {
  const usage = USAGE[command];
  return new RcdError('USAGE', `${lowerFirst(message)}; ${usage ? `usage: ${usage}` : 'see `rcd --help`'}`);
}

/**
 * `positionals.afterDashDash`: what follows `--` counts as positionals (text that starts with a dash:
 * `rcd send S -- -5 is wrong`) instead of being handed back in `rest` (a command to run).
 */
export function parse(command: string, argv: string[], options: Options, positionals: { min: number; max: number; afterDashDash?: boolean }): Parsed {
  const dashdash = argv.indexOf('--');
  const head = dashdash === -1 ? argv : argv.slice(0, dashdash);
  let rest = dashdash === -1 ? [] : argv.slice(dashdash + 1);
  let parsed;
  try {
    parsed = parseArgs({ args: head, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(command, argsProblem(err));
  }
  if (positionals.afterDashDash) {
    parsed.positionals.push(...rest);
    rest = [];
  }
  const n = parsed.positionals.length;
  if (n < positionals.min) throw usageError(command, `missing argument`);
  if (n > positionals.max) throw usageError(command, `unexpected argument "${parsed.positionals[positionals.max]}"`);
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals, rest };
}

export function oneOf<T extends string>(command: string, flag: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw usageError(command, `--${flag} must be one of ${allowed.join(', ')} (got "${String(value)}")`);
}
