// A request checked against the protocol's schema (and the daemon's body limit) before it is sent: what is wrong
// with what the user typed — a SESSION of 300 characters, a TEXT over the limit, a huge environment — is a usage
// error (exit 2) of one line naming what they typed, not an unexpected error with zod's dump.
import { MAX_REQUEST_BYTES, requests, type RequestOf, type Verb } from '../protocol/api.js';
import { describeIssues, type FieldLabel } from '../protocol/problems.js';
import { usageError } from './args.js';

// The request fields as the user typed them (see usage.ts); anything else is named by its path.
const FIELDS: Record<string, string> = {
  session: 'SESSION', text: 'TEXT', request: 'REQUEST', cwd: '--cwd', name: '--name', message: '--message',
  expiresIn: '--expires-in', env: 'the environment', agent: '--agent', restart: '--restart',
};

const label: FieldLabel = (path) => {
  const [first, second] = path;
  if (first === 'command') return typeof second === 'number' ? `word ${second + 1} of the command after --` : 'the command after --';
  return FIELDS[String(first)] ?? (path.join('.') || 'the request');
};

/** The JSON body for `verb`, or a usage error saying what of the user's input does not fit. */
export function requestBody<V extends Verb>(verb: V, body: RequestOf<V>): string {
  const parsed = requests[verb].safeParse(body);
  if (!parsed.success) throw usageError(verb, describeIssues(parsed.error.issues, label));
  const payload = JSON.stringify(parsed.data);
  const bytes = Buffer.byteLength(payload);
  if (bytes > MAX_REQUEST_BYTES) {
    const what = verb === 'start' ? 'the environment and the command' : 'the arguments';
    throw usageError(verb, `the request is ${kib(bytes)}, more than the daemon takes (${kib(MAX_REQUEST_BYTES)}): make ${what} smaller`);
  }
  return payload;
}

const kib = (bytes: number) => `${Math.ceil(bytes / 1024)} KiB`;
