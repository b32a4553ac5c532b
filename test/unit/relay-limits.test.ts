// The relay's abuse limits in pieces: the registration token bucket (injected clock), the address a limit counts
// against (IPv4, IPv6 /64, X-Forwarded-For only from a trusted proxy on loopback), the JSON shape guard, the
// `rcd relay` limit flags, and `rcd relay --help` naming the real defaults.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { RELAY_HELP } from '../../src/cli/usage.js';
import { MAX_JSON_DEPTH, MAX_JSON_SEPARATORS, jsonShapeProblem } from '../../src/relay/json-guard.js';
import { DEFAULT_LIMITS, LIMIT_FLAGS } from '../../src/relay/limits.js';
import { CONNECTIONS_BEYOND_POLLS, DEFAULT_KEEP_AGE_S, DEFAULT_KEEP_BYTES, DEFAULT_MAX_LONG_POLLS, DEFAULT_STORE_CONNECTIONS, parseRelayArgs, storeWhere } from '../../src/relay/options.js';
import { TokenBuckets, addressKey, clientAddress } from '../../src/relay/rate-limit.js';

const env = { RCD_HOME: '/tmp/rcd-unit-home' };

describe('relay registration rate limit', () => {
  it('gives an address its burst, then one token per refill interval, and says how long to wait', () => {
    let now = 0;
    const buckets = new TokenBuckets(3, 2, () => now); // 3 at once, then 2 an hour: one per 30 min
    assert.deepEqual([buckets.take('a'), buckets.take('a'), buckets.take('a')], [0, 0, 0]);
    assert.equal(buckets.take('a'), 1800, 'the next token comes in 30 minutes');
    assert.equal(buckets.take('b'), 0, 'another address has its own bucket');
    now += 1_200_000; // 20 minutes
    assert.equal(buckets.take('a'), 600);
    now += 600_000;
    assert.equal(buckets.take('a'), 0);
    assert.equal(buckets.take('a'), 1800, 'a refused attempt takes nothing');
    now += 10 * 3_600_000;
    assert.deepEqual([buckets.take('a'), buckets.take('a'), buckets.take('a'), buckets.take('a')], [0, 0, 0, 1800], 'refills up to the burst only');
  });

  it('counts IPv4 by address and IPv6 by /64', () => {
    assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:0db8:0001:0002:0:0:0:9'), '2001:db8:1:2::/64');
    assert.equal(addressKey('2001:db8::9'), '2001:db8:0:0::/64');
    assert.notEqual(addressKey('2001:db8:1:3::1'), addressKey('2001:db8:1:2::1'));
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
  });

  it('trusts X-Forwarded-For only when told to and only from loopback, and then its last entry', () => {
    const req = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;
    assert.equal(clientAddress(req('127.0.0.1', '198.51.100.1'), false), '127.0.0.1', 'not trusted unless told');
    assert.equal(clientAddress(req('127.0.0.1', '198.51.100.1'), true), '198.51.100.1');
    assert.equal(clientAddress(req('::ffff:127.0.0.1', '6.6.6.6, 198.51.100.1'), true), '198.51.100.1', 'what the client wrote comes first');
    assert.equal(clientAddress(req('203.0.113.9', '198.51.100.1'), true), '203.0.113.9', 'a client reaching the relay directly is its own address');
    assert.equal(clientAddress(req('127.0.0.1', 'not-an-address'), true), '127.0.0.1');
    assert.equal(clientAddress(req('127.0.0.1'), true), '127.0.0.1');
  });
});

describe('relay JSON guard', () => {
  it('lets protocol-shaped bodies through and refuses deep nesting and huge value counts, strings skipped', () => {
    const upload = JSON.stringify({ sessions: [{ id: '0123456789abcdef', events: Array.from({ length: 500 }, (_, i) => ({ seq: i + 1, at: 'x', kind: 'output', data: 'QQ==' })) }] });
    assert.equal(jsonShapeProblem(upload), null);
    assert.equal(jsonShapeProblem(JSON.stringify({ s: '[[[[[[[[[[[[[[[[[[[[:,:,:,"\\' })), null, 'brackets and escapes inside strings do not count');
    assert.equal(jsonShapeProblem('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)), null);
    assert.match(jsonShapeProblem('['.repeat(MAX_JSON_DEPTH + 1)) ?? '', /nested deeper than 16/);
    assert.match(jsonShapeProblem(JSON.stringify(Array(MAX_JSON_SEPARATORS + 2).fill(0))) ?? '', /more than 20000 JSON values/);
    assert.equal(jsonShapeProblem('{"a":"unterminated'), null, 'left to JSON.parse to refuse');
  });
});

describe('rcd relay limit flags', () => {
  it('defaults to DEFAULT_LIMITS, takes every limit flag, and refuses bad values', () => {
    const defaults = parseRelayArgs([], env);
    for (const f of LIMIT_FLAGS) assert.equal(defaults[f.key], DEFAULT_LIMITS[f.key], f.flag);
    assert.equal(defaults.trustProxy, false);
    const set = parseRelayArgs([...LIMIT_FLAGS.flatMap((f) => [`--${f.flag}`, String(f.min + 1)]), '--trust-proxy', '--max-long-polls', '50'], env);
    for (const f of LIMIT_FLAGS) assert.equal(set[f.key], f.min + 1, f.flag);
    assert.equal(set.trustProxy, true);
    assert.equal(set.maxLongPolls, 50);
    for (const bad of [['--max-pending', '0'], ['--register-burst', 'many'], ['--max-event-bytes', '10'], ['--trust-proxy=yes'], ['--max-long-polls', '0']]) {
      assert.throws(() => parseRelayArgs(bad, env), (e: { code?: string }) => e.code === 'USAGE', bad.join(' '));
    }
  });

  it('`rcd relay --help` names every flag with its real default', () => {
    for (const f of LIMIT_FLAGS) assert.match(RELAY_HELP, new RegExp(`--${f.flag} N .*\\(default ${DEFAULT_LIMITS[f.key]}\\)`), f.flag);
    assert.match(RELAY_HELP, /--trust-proxy .*\(default off\)/);
    assert.match(RELAY_HELP, new RegExp(`--max-long-polls N .*\\(default ${DEFAULT_MAX_LONG_POLLS}\\)`));
    assert.match(RELAY_HELP, new RegExp(`--keep-bytes N .*\\(default ${DEFAULT_KEEP_BYTES}\\)`));
  });

  it('sizes connections from the poll cap, and takes retention by bytes and age and the established age as flags', () => {
    const defaults = parseRelayArgs([], env);
    assert.equal(defaults.maxConnections, DEFAULT_MAX_LONG_POLLS + CONNECTIONS_BEYOND_POLLS);
    assert.deepEqual([defaults.keepBytes, defaults.keepAgeS], [DEFAULT_KEEP_BYTES, DEFAULT_KEEP_AGE_S]);
    const set = parseRelayArgs(['--max-long-polls', '30000', '--keep-bytes', '1000000', '--keep-age', '12h', '--established-after', '0s'], env);
    assert.deepEqual([set.maxLongPolls, set.maxConnections, set.keepBytes, set.keepAgeS, set.establishedAfterMs], [30_000, 30_000 + CONNECTIONS_BEYOND_POLLS, 1_000_000, 43_200, 0]);
    assert.equal(parseRelayArgs(['--max-long-polls', '100', '--max-connections', '200'], env).maxConnections, 200);
    for (const bad of [['--max-long-polls', '100', '--max-connections', '100'], ['--keep-age', '30'], ['--keep-age', '10s'], ['--keep-bytes', '10'], ['--established-after', 'soon']]) {
      assert.throws(() => parseRelayArgs(bad, env), (e: { code?: string }) => e.code === 'USAGE', bad.join(' '));
    }
  });

  it('takes a PostgreSQL store from --store or RCD_RELAY_STORE, with its pool size; refuses anything else without echoing it', () => {
    assert.equal(parseRelayArgs([], env).store, undefined, 'SQLite by default');
    const url = 'postgres://rcd:pw@db.internal:5432/relay';
    assert.deepEqual([parseRelayArgs(['--store', url], env).store, parseRelayArgs(['--store', url], env).storeConnections], [url, DEFAULT_STORE_CONNECTIONS]);
    assert.equal(parseRelayArgs([], { ...env, RCD_RELAY_STORE: url }).store, url);
    assert.equal(parseRelayArgs(['--store', url, '--store-connections', '64'], env).storeConnections, 64);
    assert.equal(storeWhere(url), 'postgres://db.internal:5432/relay', 'no user or password where it is shown');
    for (const bad of [['--store', 'mysql://rcd:pw@h/db'], ['--store', 'pw'], ['--store-connections', '8'], ['--store', url, '--store-connections', '0']]) {
      assert.throws(() => parseRelayArgs(bad, env), (e: { code?: string; message: string }) => e.code === 'USAGE' && !e.message.includes('pw@'), bad.join(' '));
    }
    assert.match(RELAY_HELP, new RegExp(`--store-connections N .*\\(default ${DEFAULT_STORE_CONNECTIONS}\\)`));
  });
});
