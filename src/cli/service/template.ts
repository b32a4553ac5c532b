// The service templates in service-units/: where they are, and filling their @NAME@ placeholders. Pure but for
// locating and reading the files.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RcdError } from '../../common/errors.js';

export const SYSTEMD_TEMPLATE = 'rcd.service.in';
export const LAUNCHD_TEMPLATE = 'rcd.plist.json';

const PLACEHOLDER = /@([A-Z_]+)@/g;
const WHOLE = /^@([A-Z_]+)@$/;

/**
 * service-units/ of this rcd package. The CLI runs as the bundle (dist/rcd.cjs) and, in tests, as the compiled
 * tree (dist/src/cli/service/); both sit below the package root, so look upwards from this module.
 */
export function serviceUnitsDir(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'service-units');
    if (existsSync(join(candidate, SYSTEMD_TEMPLATE))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new RcdError('INTERNAL', `the service templates (service-units/) are missing from this rcd installation (looked above ${from}); reinstall rcd`);
}

export function readTemplate(name: string, dir: string = serviceUnitsDir()): string {
  return readFileSync(join(dir, name), 'utf8');
}

function unknown(name: string): RcdError {
  return new RcdError('INTERNAL', `the service template uses @${name}@, which rcd does not know; the template and rcd do not match`);
}

/**
 * Fills a line-based template. A line that is only `@NAME@` becomes the lines of that value (none drops the line);
 * `@NAME@` inside a line becomes the value's single line. Values are inserted as they are, never scanned again.
 */
export function fillText(template: string, values: Record<string, string | string[]>): string {
  const out: string[] = [];
  for (const line of template.split('\n')) {
    const whole = WHOLE.exec(line);
    if (whole) {
      const value = values[whole[1] as string];
      if (value === undefined) throw unknown(whole[1] as string);
      out.push(...(Array.isArray(value) ? value : [value]));
      continue;
    }
    out.push(
      line.replace(PLACEHOLDER, (_, name: string) => {
        const value = values[name];
        if (value === undefined || Array.isArray(value)) throw unknown(name);
        return value;
      }),
    );
  }
  return out.join('\n');
}

/** A C0 control character or DEL: neither a unit file nor XML can carry one, and in a path it is a mistake. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Fills a JSON template: a string that is only `@NAME@` becomes the value (any JSON); inside a string, its text. */
export function fillJson(template: JsonValue, values: Record<string, JsonValue>): JsonValue {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) {
      const value = values[whole[1] as string];
      if (value === undefined) throw unknown(whole[1] as string);
      return value;
    }
    return template.replace(PLACEHOLDER, (_, name: string) => {
      const value = values[name];
      if (typeof value !== 'string') throw unknown(name);
      return value;
    });
  }
  if (Array.isArray(template)) return template.map((item) => fillJson(item, values));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, item]) => [key, fillJson(item, values)]));
  }
  return template;
}
