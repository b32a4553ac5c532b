// What the claude browser tests share: the mock model, a daemon whose claude sessions run the fake Claude Code
// against it, a relay on 127.0.0.1 and Chromium, all torn down after `fn` (no process left).
import type { Browser } from 'playwright-core';
import type { Rcd } from '../test/helpers/harness.js';
import { claudeRcd } from '../test/helpers/claude.js';
import { startMockMessagesApi } from '../test/helpers/mock-messages-api.js';
import { withRelay } from '../test/helpers/relay.js';
import { inBrowser } from './chromium.js';

export async function withClaudeInBrowser(prefix: string, fn: (rcd: Rcd, browser: Browser) => Promise<void>): Promise<void> {
  const api = await startMockMessagesApi();
  const rcd = claudeRcd(prefix, api.url);
  try {
    await withRelay(rcd, () => inBrowser((browser) => fn(rcd, browser)));
  } finally {
    await api.close();
  }
}
