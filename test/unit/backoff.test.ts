// Reconnect backoff with an injected random source: full jitter under a bound that doubles from 1 s to a 30 s
// cap, and a reset to the first step once connected.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, Backoff } from '../../src/link/backoff.js';
import { checkRelayUrl } from '../../src/link/http.js';

describe('backoff', () => {
  it('doubles its bound from 1 s up to the 30 s cap', () => {
    const b = new Backoff(() => 0.999999);
    const delays = Array.from({ length: 8 }, () => b.next());
    assert.deepEqual(delays.map((d) => Math.round(d / 1000)), [1, 2, 4, 8, 16, 30, 30, 30]);
    assert.ok(delays.every((d) => d <= BACKOFF_CAP_MS));
  });

  it('draws each delay uniformly between 0 and the bound (full jitter)', () => {
    const draws = [0, 0.5, 0.25, 0.999];
    let i = 0;
    const b = new Backoff(() => draws[i++] as number);
    assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [0, 1000, 1000, 7992]);
  });

  it('starts again from the first step after a reset', () => {
    const b = new Backoff(() => 0.999999);
    for (let i = 0; i < 10; i++) b.next();
    b.reset();
    assert.equal(b.attempts, 0);
    assert.ok(b.next() < BACKOFF_BASE_MS);
  });
});

describe('relay URL check', () => {
  it('allows https anywhere and plain http only to loopback', () => {
    assert.equal(checkRelayUrl('https://relay.example.com').origin, 'https://relay.example.com');
    assert.equal(checkRelayUrl('http://127.0.0.1:8787').origin, 'http://127.0.0.1:8787');
    assert.equal(checkRelayUrl('http://localhost:8787').origin, 'http://localhost:8787');
    assert.equal(checkRelayUrl('http://[::1]:8787').host, '[::1]:8787');
    assert.throws(() => checkRelayUrl('http://relay.example.com'), /plain http is only allowed to a loopback address/);
    assert.throws(() => checkRelayUrl('http://10.0.0.5:8787'), /plain http/);
    assert.throws(() => checkRelayUrl('ftp://127.0.0.1'), /must be an https:\/\/ URL/);
    assert.throws(() => checkRelayUrl('not a url'), /not a URL/);
  });
});
