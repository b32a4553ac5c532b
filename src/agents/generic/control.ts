// A generic agent's AgentControl (src/agents/control.ts): it asks rcd nothing, has no turns and no modes. Its output
// is kept as bytes; the commands that need more say why they cannot apply, and change nothing.
import { EventEmitter } from 'node:events';
import { RcdError } from '../../common/errors.js';
import type { Approval } from '../../protocol/api.js';
import type { ApprovalRecord } from '../../store/approvals.js';
import type { SessionRecord } from '../../store/sessions.js';
import type { AgentControl } from '../control.js';

const refuse = (s: SessionRecord, what: string): never => {
  throw new RcdError('NOT_FOUND', `session ${s.name} runs a ${s.agent} agent, which ${what}`);
};

export class GenericControl extends EventEmitter implements AgentControl {
  lineHandler(): undefined {
    return undefined;
  }

  runEnded(): void {}

  adopted(): void {}

  async beforeStop(): Promise<void> {}

  pending(): ApprovalRecord[] {
    return [];
  }

  view(a: ApprovalRecord, sessionName: string): Approval {
    return {
      id: a.id, session: a.sessionId, sessionName, tool: a.tool, kind: a.kind, input: a.input, state: a.state, createdAt: a.createdAt,
      decidedAt: a.decidedAt, decidedBy: a.decidedBy, message: a.message,
    };
  }

  requestText(a: ApprovalRecord): string {
    return `${a.tool} ${JSON.stringify(a.input)}`;
  }

  decide(s: SessionRecord): Promise<ApprovalRecord> {
    return refuse(s, 'asks for no approvals');
  }

  approve(s: SessionRecord): Promise<ApprovalRecord> {
    return refuse(s, 'asks for no approvals');
  }

  answer(s: SessionRecord): Promise<ApprovalRecord> {
    return refuse(s, 'asks no questions');
  }

  setMode(s: SessionRecord): Promise<void> {
    return refuse(s, 'has no permission modes');
  }

  interrupt(s: SessionRecord): Promise<void> {
    return refuse(s, 'has no turns to interrupt (rcd stop ends it)');
  }

  start(): void {}

  configChanged(): void {}

  close(): void {}
}
