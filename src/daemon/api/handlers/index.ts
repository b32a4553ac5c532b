// The typed map from verb to handler: adding a verb to src/protocol/api.ts without a handler fails to compile.
import type { Verb } from '../../../protocol/api.js';
import type { Handler } from '../context.js';
import { approvals } from './approvals.js';
import { answer } from './answer.js';
import { approve, deny } from './decide.js';
import { interrupt } from './interrupt.js';
import { logs } from './logs.js';
import { mode } from './mode.js';
import { restart } from './restart.js';
import { rm } from './rm.js';
import { send } from './send.js';
import { shutdown } from './shutdown.js';
import { start } from './start.js';
import { status } from './status.js';
import { stop } from './stop.js';
import { url } from './url.js';

export const handlers: { [V in Verb]: Handler<V> } = { status, start, stop, restart, send, rm, logs, shutdown, url, approvals, approve, deny, answer, mode, interrupt };
