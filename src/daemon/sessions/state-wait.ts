// Waiting on a session's state: the supervisor emits 'state' with the session's id after every change.
import type { EventEmitter } from 'node:events';

/** Resolves true once `reached()` holds (checked now and after each change of session `id`), false after `ms`. */
export function untilState(emitter: EventEmitter, id: string, reached: () => boolean, ms = Number.POSITIVE_INFINITY): Promise<boolean> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (ok: boolean) => {
      if (timer) clearTimeout(timer);
      emitter.off('state', check);
      resolve(ok);
    };
    const check = (changed: string) => {
      if (changed === id && reached()) finish(true);
    };
    if (Number.isFinite(ms)) timer = setTimeout(() => finish(false), ms);
    emitter.on('state', check);
    check(id);
  });
}
