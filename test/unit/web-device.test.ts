// The device page's pure parts (src/web/device.ts, start-form.ts), bundled as the page bundles them: who comes first
// in the list and how the mark reads, "how long ago", and the start form's command words and parent directories.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { importWeb } from '../helpers/web-bundle.js';

interface Web {
  waitingMark(v: { pendingApprovals: number; approvals: { kind: string }[] }): string | null;
  ago(iso: string, now: number): string;
  order<T extends { updatedAt: string; view: { pendingApprovals: number } | null }>(rows: readonly T[]): T[];
  words(line: string): string[];
  parentOf(path: string): string;
}

describe('device page', () => {
  let web: Web;
  before(async () => {
    web = await importWeb<Web>(['device.ts', 'start-form.ts']);
  });

  it('marks what a session waits for, by kind', () => {
    assert.equal(web.waitingMark({ pendingApprovals: 0, approvals: [] }), null);
    assert.equal(web.waitingMark({ pendingApprovals: 1, approvals: [{ kind: 'tool' }] }), 'needs you: approval');
    assert.equal(web.waitingMark({ pendingApprovals: 3, approvals: [{ kind: 'question' }, { kind: 'plan' }, { kind: 'question' }] }), 'needs you: question, plan (3)');
  });

  it('puts waiting sessions first, then the most recent, unreadable ones last', () => {
    const rows = [
      { id: 'old', updatedAt: '2025-01-01T00:00:00Z', view: { pendingApprovals: 0 } },
      { id: 'unreadable', updatedAt: '2025-01-03T00:00:00Z', view: null },
      { id: 'new', updatedAt: '2025-01-02T00:00:00Z', view: { pendingApprovals: 0 } },
      { id: 'waiting', updatedAt: '2024-12-01T00:00:00Z', view: { pendingApprovals: 1 } },
    ];
    assert.deepEqual(web.order(rows).map((r) => r.id), ['waiting', 'new', 'old', 'unreadable']);
  });

  it('says how long ago, a clock ahead being "just now"', () => {
    const now = Date.parse('2025-01-02T12:00:00Z');
    assert.equal(web.ago('2025-01-02T12:00:10Z', now), 'just now');
    assert.equal(web.ago('2025-01-02T11:59:30Z', now), 'just now');
    assert.equal(web.ago('2025-01-02T11:55:00Z', now), '5 min ago');
    assert.equal(web.ago('2025-01-02T09:00:00Z', now), '3 h ago');
    assert.equal(web.ago('2024-12-30T12:00:00Z', now), '3 d ago');
  });

  it('splits a command into words, quotes keeping spaces', () => {
    assert.deepEqual(web.words('  node  server.js --port 3000 '), ['node', 'server.js', '--port', '3000']);
    assert.deepEqual(web.words(`bash -c "echo 'hi there'" ''`), ['bash', '-c', "echo 'hi there'", '']);
    assert.deepEqual(web.words(''), []);
  });

  it('goes up a directory', () => {
    assert.equal(web.parentOf('/home/me/projects'), '/home/me');
    assert.equal(web.parentOf('/home'), '/');
  });
});
