// node:util's parseArgs errors, worded to continue after "rcd: " like every other error.

/**
 * "Unknown option '--x'. To specify a positional argument starting with a '-' ..." -> "unknown option '--x'";
 * parseArgs' multi-line hints ("Did you forget to specify the option argument...") become one line.
 */
export function argsProblem(err: unknown): string {
  const message = String((err as Error)?.message ?? err)
    .replace(/\s*To specify (a positional argument|an option argument) starting with.*$/s, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\.$/, '');
  return lowerFirst(message);
}

/** Lower-cases a leading capital that starts a word ("Unknown option" -> "unknown option"; "URL" stays). */
export function lowerFirst(message: string): string {
  return message.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
}
