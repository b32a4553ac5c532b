// Removes one file if it is there. Not fs.rmSync: in Node 20 every rmSync call, even of a single file, loads Node's
// rimraf module, which then stays in the daemon's memory (~0.2 MB; docs/benchmarks.md, "Idle footprint").
import { unlinkSync } from 'node:fs';

export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
