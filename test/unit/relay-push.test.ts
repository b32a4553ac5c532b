// The relay's Web Push layer (src/relay/push.ts): it delivers only to the push services it is told of, over https
// (http only to a loopback host it lists: tests), and keeps one VAPID key pair for good (subscriptions are bound to it).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_PUSH_HOSTS, endpointProblem, loadVapidKeys } from '../../src/relay/push.js';

describe('relay Web Push', () => {
  it('delivers only to listed push services, over https', () => {
    assert.equal(endpointProblem('https://fcm.googleapis.com/fcm/send/abc', DEFAULT_PUSH_HOSTS), null);
    assert.equal(endpointProblem('https://updates.push.services.mozilla.com/wpush/v2/x', DEFAULT_PUSH_HOSTS), null);
    assert.equal(endpointProblem('https://web.push.apple.com/QGx', DEFAULT_PUSH_HOSTS), null);
    assert.match(endpointProblem('https://169.254.169.254/latest/meta-data', DEFAULT_PUSH_HOSTS) ?? '', /not a push service/);
    assert.match(endpointProblem('https://evil-fcm.googleapis.com.example/x', DEFAULT_PUSH_HOSTS) ?? '', /not a push service/);
    assert.match(endpointProblem('http://fcm.googleapis.com/x', DEFAULT_PUSH_HOSTS) ?? '', /https/);
    assert.match(endpointProblem('not a url', DEFAULT_PUSH_HOSTS) ?? '', /not a URL/);
    assert.equal(endpointProblem('http://127.0.0.1:9/p', ['127.0.0.1']), null, 'loopback http when listed (tests)');
    assert.match(endpointProblem('http://127.0.0.1:9/p', DEFAULT_PUSH_HOSTS) ?? '', /not a push service/);
  });

  it('makes its VAPID keys once, private to the relay, and keeps them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcd-vapid-'));
    try {
      const first = loadVapidKeys(dir);
      assert.match(first.publicKey, /^[A-Za-z0-9_-]{87}$/);
      assert.equal(statSync(join(dir, 'vapid.json')).mode & 0o777, 0o600);
      assert.deepEqual(loadVapidKeys(dir), first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
