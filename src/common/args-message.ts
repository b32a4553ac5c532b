// node:util's parseArgs errors, worded to continue after "rcd: " like every other error.

/** "Unknown option '--x'. To specify a positional argument starting with a '-' ..." -> "unknown option '--x'". */
export function argsProblem(err: unknown): string {
  return lowerFirst(String((err as Error)?.message ?? err).replace(/\. To specify a positional argument.*$/s, ''));
}

/** Lower-cases a leading capital that starts a word ("Unknown option" -> "unknown option"; "URL" stays). */
export function lowerFirst(message: string): string {
  return message.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
}
