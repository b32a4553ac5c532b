// A daemon home whose claude sessions run the stand-in Claude Code (test/fixtures/fake-claude.mjs) against the mock
// Messages API, with a private HOME so no real Claude Code settings or transcripts are touched.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rcd, fixture } from './harness.js';

export function claudeRcd(prefix: string, apiUrl: string): Rcd {
  const rcd = new Rcd(prefix);
  const home = join(rcd.home, 'user-home');
  mkdirSync(home);
  Object.assign(rcd.env, { HOME: home, RCD_CLAUDE_BIN: fixture('fake-claude.mjs'), ANTHROPIC_BASE_URL: apiUrl, ANTHROPIC_API_KEY: 'sk-test-not-a-secret' });
  return rcd;
}
