// `rcd logs [--follow]`: the session's output as raw bytes, in order, byte-exact. With follow, the response
// stays open and streams new output until the session is no longer live or the client goes away.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { HEADER_AGENT } from '../../../protocol/api.js';
import { STREAMED, type Handler } from '../context.js';

// Rows per database read: ~4 MiB at most per batch with 64 KiB chunks.
const BATCH = 64;

export const logs: Handler<'logs'> = async (req, ctx, res) => {
  const s = ctx.supervisor.resolve(req.session);
  await ctx.tailer.catchUp(s.id, ctx.supervisor.files(s.id).output);
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store', [HEADER_AGENT]: s.agent });
  let next = req.from;
  const pump = async () => {
    for (;;) {
      const rows = ctx.events.output(s.id, next, BATCH);
      for (const row of rows) {
        next = row.seq + 1;
        if (!res.write(row.data)) await drained(res);
        if (res.destroyed) return;
      }
      if (rows.length < BATCH) return;
    }
  };
  await pump();
  if (!req.follow) {
    res.end();
    return STREAMED;
  }
  await new Promise<void>((resolve) => {
    let busy = false;
    let again = false;
    const finish = () => {
      ctx.tailer.off('output', onChange);
      ctx.supervisor.off('state', onChange);
      res.off('close', finish);
      resolve();
    };
    const onChange = (id: string) => {
      if (id !== s.id) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      void (async () => {
        do {
          again = false;
          await pump();
        } while (again && !res.destroyed);
        busy = false;
        if (!ctx.supervisor.isLive(s.id) && !res.destroyed) {
          ctx.tailer.drain(s.id, ctx.supervisor.files(s.id).output);
          await pump();
          res.end();
          finish();
        }
      })();
    };
    ctx.tailer.on('output', onChange);
    ctx.supervisor.on('state', onChange);
    res.on('close', finish);
    onChange(s.id); // the session may have ended between the first pump and now
  });
  return STREAMED;
};

function drained(res: ServerResponse): Promise<unknown> {
  return Promise.race([once(res, 'drain'), once(res, 'close')]);
}
