// Web Push endpoints (src/relay/push.ts): the relay's VAPID public key for browsers that subscribe, and the daemon's
// already-encrypted notifications, which the relay signs and delivers. Rate-limited per daemon; the endpoint is a
// capability of the subscription and is never logged.
import { MAX_UPLOAD_BODY_BYTES } from '../../protocol/relay.js';
import { PushRequest } from '../../protocol/relay-device.js';
import { fromBase64url } from '../../e2e/encoding.js';
import type { Handler } from '../context.js';
import { HttpError, badRequest, readJson, sendJson } from '../http.js';
import { deliver, endpointProblem } from '../push.js';
import { authenticate } from './daemon.js';

export const pushKey: Handler = async (_req, res, ctx) => {
  sendJson(res, 200, { publicKey: ctx.push.keys.publicKey });
};

export const push: Handler = async (req, res, ctx) => {
  const daemonId = (await authenticate(req, ctx)).id;
  const body = await readJson(req, PushRequest, 'push', MAX_UPLOAD_BODY_BYTES);
  const problem = endpointProblem(body.endpoint, ctx.opts.pushHosts);
  if (problem) throw badRequest(problem);
  const wait = ctx.push.perDaemon.take(daemonId);
  if (wait > 0) throw new HttpError(429, 'RATE_LIMITED', `too many notifications from this daemon; try again in ${wait} s`, { 'retry-after': String(wait) });
  let status: number;
  try {
    status = await deliver(ctx.push.keys, ctx.opts.pushContact, {
      endpoint: body.endpoint, body: Buffer.from(fromBase64url(body.body)), ttl: body.ttl, urgency: body.urgency, ...(body.topic ? { topic: body.topic } : {}),
    });
  } catch (err) {
    ctx.log.warn({ daemonId, host: new URL(body.endpoint).host, error: (err as Error).message }, 'push service unreachable');
    throw new HttpError(502, 'PUSH_FAILED', `the push service at ${new URL(body.endpoint).host} could not be reached`);
  }
  if (status >= 300) ctx.log.info({ daemonId, host: new URL(body.endpoint).host, status }, 'push service refused a notification');
  sendJson(res, 200, { status });
};
