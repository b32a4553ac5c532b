// Finds the program a session runs before spawning it, so "command not found" is a clear `failed` reason
// instead of a shell's exit 127 in the output.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export function findExecutable(command: string, cwd: string, pathEnv: string | undefined): string | null {
  const usable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) {
    const p = isAbsolute(command) ? command : resolve(cwd, command);
    return usable(p) ? p : null;
  }
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(isAbsolute(dir) ? dir : resolve(cwd, dir), command);
    if (usable(p)) return p;
  }
  return null;
}
