// A suite's daemon running the stand-in Claude Code against the mock model, linked to a real relay on 127.0.0.1:
// started before the suite's tests and torn down after (no process of it left). Call it inside `describe`.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Rcd } from './harness.js';
import { claudeRcd } from './claude.js';
import { startMockMessagesApi, type MockMessagesApi } from './mock-messages-api.js';
import { RelayProcess } from './relay.js';

export interface ClaudeRelay {
  rcd: Rcd;
  relay: RelayProcess;
  api: MockMessagesApi;
}

/** The fields are set once the suite's `before` has run. `relayArgs`: more `rcd relay` flags. */
export function useClaudeRelay(prefix: string, relayArgs: readonly string[] = []): ClaudeRelay {
  const s = {} as Partial<ClaudeRelay>;
  before(async () => {
    s.api = await startMockMessagesApi();
    s.rcd = claudeRcd(prefix, s.api.url);
    s.relay = await RelayProcess.start(s.rcd.home, s.rcd.env, relayArgs);
    s.rcd.env.RCD_RELAY_URL = s.relay.url;
  });
  after(async () => {
    try {
      await s.relay?.stop();
      if (s.rcd) assert.deepEqual(await s.rcd.teardown(), []);
    } finally {
      await s.api?.close(); // or the file's process never exits
    }
  });
  return s as ClaudeRelay;
}
