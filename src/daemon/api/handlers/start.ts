// `rcd start`: create a session and spawn its agent (src/daemon/sessions/start-session.ts).
import type { Handler } from '../context.js';
import { startSession } from '../../sessions/start-session.js';

export const start: Handler<'start'> = async (req, ctx) => ({
  session: ctx.supervisor.view(await startSession({ supervisor: ctx.supervisor, home: ctx.home, newSessionId: ctx.newSessionId }, req)),
});
