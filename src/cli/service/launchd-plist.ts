// The launchd agent: service-units/rcd.plist.json filled in and serialized by the `plist` package, and reading
// back the ProgramArguments of an installed plist.
import { RcdError } from '../../common/errors.js';
import type * as Plist from 'plist';
import { fillJson, hasControlCharacter, type JsonValue } from './template.js';

export interface PlistInput {
  label: string;
  node: string;
  nodeFlags: readonly string[];
  cli: string;
  env: [string, string][];
  daemonOut: string;
}

type PlistModule = typeof Plist;

/**
 * `plist` (and the XML libraries under it) is loaded only here, at run time, and kept out of the CLI bundle
 * (esbuild --external:plist), so no other command pays for parsing it.
 */
export function loadPlist(): Promise<PlistModule> {
  return import('plist');
}

function checked(what: string, value: string): string {
  // XML 1.0 cannot carry these at all, not even escaped.
  if (hasControlCharacter(value)) {
    throw new RcdError('BAD_REQUEST', `${what} contains a control character (such as a newline), which a launchd plist cannot carry; fix it and run again`);
  }
  return value;
}

export function launchdPlistObject(template: JsonValue, input: PlistInput): JsonValue {
  return fillJson(template, {
    LABEL: input.label,
    PROGRAM: [
      checked(`the path ${JSON.stringify(input.node)}`, input.node),
      ...input.nodeFlags,
      checked(`the path ${JSON.stringify(input.cli)}`, input.cli),
      'daemon',
    ],
    DAEMON_OUT: checked(`the path ${JSON.stringify(input.daemonOut)}`, input.daemonOut),
    ENVIRONMENT: Object.fromEntries(input.env.map(([name, value]) => [name, checked(`the environment variable ${name}`, value)])),
  });
}

export function renderLaunchdPlist(templateText: string, input: PlistInput, plist: Pick<PlistModule, 'build'>): string {
  let template: JsonValue;
  try {
    template = JSON.parse(templateText) as JsonValue;
  } catch (err) {
    throw new RcdError('INTERNAL', `the launchd template is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return `${plist.build(launchdPlistObject(template, input))}\n`;
}

/** ProgramArguments of a parsed plist, or null when it has none (or it is not a dictionary). */
export function plistProgram(parsed: unknown): string[] | null {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const args = (parsed as Record<string, unknown>).ProgramArguments;
  if (!Array.isArray(args) || args.length === 0 || !args.every((a): a is string => typeof a === 'string')) return null;
  return args;
}
