// What is wrong with a value that failed its schema, as one line for a person: the daemon's 400 answer and the
// CLI's usage error both say it this way, never as zod's JSON dump of issues.
import type { ZodIssue } from 'zod';

/** How a field is named to the reader: the daemon says `text`, the CLI says what was typed (`TEXT`, `--cwd`). */
export type FieldLabel = (path: (string | number)[]) => string;

// A request with many bad fields gets the first few; the line stays readable and the rest show once these are fixed.
const MAX_SHOWN = 3;

const byPath: FieldLabel = (path) => path.join('.') || 'body';

export function describeIssues(issues: readonly ZodIssue[], label: FieldLabel = byPath): string {
  const shown = issues.slice(0, MAX_SHOWN).map((i) => describeIssue(i, label));
  const more = issues.length - shown.length;
  return `${shown.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}

function describeIssue(issue: ZodIssue, label: FieldLabel): string {
  const what = label(issue.path);
  if (issue.code === 'too_big') {
    const max = Number(issue.maximum);
    if (issue.type === 'string') return `${what} is too long: at most ${max} characters`;
    if (issue.type === 'array') return `${what} has too many items: at most ${max}`;
    return `${what} is too large: at most ${max}`;
  }
  if (issue.code === 'too_small') {
    if (issue.type === 'string' && Number(issue.minimum) === 1) return `${what} must not be empty`;
    return `${what} is too ${issue.type === 'string' ? 'short' : 'small'}: at least ${Number(issue.minimum)}`;
  }
  return `${what}: ${issue.message.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase())}`;
}
