// Which request of a session a command means: REQUEST (an id or a unique prefix, as `rcd approvals` and `rcd logs`
// show it), else the oldest pending one of the kind the command answers. Pure: it reads the session's requests.
import { RcdError } from '../../../common/errors.js';
import type { ApprovalRecord } from '../../../store/approvals.js';

export interface Target {
  request: string | undefined;
  /** The kind of request the command answers (`rcd answer`: questions); others are refused when named. */
  filter?: (a: ApprovalRecord) => boolean;
  /** What to call the requests `filter` takes, in messages. */
  what?: string;
}

/** `all`: the session's requests, oldest first. */
export function pickRequest(all: readonly ApprovalRecord[], sessionName: string, target: Target): ApprovalRecord {
  const { request, filter = () => true, what } = target;
  if (request === undefined) {
    const oldest = all.find((a) => a.state === 'pending' && filter(a));
    if (!oldest) throw new RcdError('NOT_FOUND', `nothing is waiting for ${what ? `an answer (no pending ${what})` : 'approval'} in session ${sessionName}`);
    return oldest;
  }
  const exact = all.find((a) => a.id === request);
  const matches = exact ? [exact] : all.filter((a) => a.id.startsWith(request));
  if (matches.length > 1) throw new RcdError('AMBIGUOUS', `${request} matches ${matches.length} approvals of session ${sessionName}; give more of the id`);
  const found = matches[0];
  if (!found) throw new RcdError('NOT_FOUND', `session ${sessionName} has no approval ${request}; see \`rcd approvals ${sessionName}\``);
  if (found.state !== 'pending') throw new RcdError('CONFLICT', `approval ${found.id} is already ${found.state}${found.decidedBy ? ` (by ${found.decidedBy})` : ''}`);
  if (!filter(found)) throw new RcdError('CONFLICT', `request ${found.id.slice(0, 8)} of session ${sessionName} is not a pending ${what ?? 'request'}: it is a ${found.kind} request`);
  return found;
}

/**
 * `rcd answer SESSION [REQUEST] ANSWER...`: whether the first word names a request (4 or more hex digits that start
 * the id of one of the session's requests, and answers follow) or is already an answer (no REQUEST: the oldest
 * pending question). A named request that is not a question is then refused as such, not answered.
 */
export function answerArgs(requests: readonly ApprovalRecord[], args: readonly string[]): { request: string | undefined; answers: string[] } {
  const [first, ...rest] = args;
  const names = first !== undefined && rest.length > 0 && /^[0-9a-f-]{4,}$/i.test(first) && requests.some((a) => a.id.startsWith(first));
  return names ? { request: first, answers: rest } : { request: undefined, answers: [...args] };
}
