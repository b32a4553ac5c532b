// Finding a session's processes by the RCD_SESSION_ID in their environment, also after they left its tree:
// whole variables only, on Linux from /proc, on macOS from `ps -E` output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { processesWithEnv, psLinesWithEnv } from '../../src/daemon/process/proc.js';
import { waitFor } from '../helpers/harness.js';

describe('processes by environment', () => {
  it('finds a process carrying NAME=VALUE, not one with a longer name or value', async () => {
    const id = `t${process.pid}x${Date.now()}`;
    const env = (extra: Record<string, string>) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', ...extra });
    const marked = spawn('sleep', ['30'], { env: env({ RCD_SESSION_ID: id }), stdio: 'ignore' });
    const lookalikes = [
      spawn('sleep', ['30'], { env: env({ X_RCD_SESSION_ID: id }), stdio: 'ignore' }),
      spawn('sleep', ['30'], { env: env({ RCD_SESSION_ID: `${id}0` }), stdio: 'ignore' }),
    ];
    try {
      // Each child has exec'd sleep (so /proc shows its own environment) once its comm says so.
      for (const c of [marked, ...lookalikes]) {
        await waitFor(() => readFileSync(`/proc/${c.pid}/comm`, 'utf8') === 'sleep\n', `pid ${c.pid} to exec sleep`);
      }
      assert.deepEqual(processesWithEnv('RCD_SESSION_ID', id), [marked.pid]);
    } finally {
      for (const c of [marked, ...lookalikes]) c.kill('SIGKILL');
    }
  });

  it('reads `ps -E` lines: the variable as a whole word, anywhere after the command', () => {
    const out = [
      '  101 /bin/sh -c sleep 1 PATH=/usr/bin RCD_SESSION_ID=abc123 HOME=/Users/me',
      '  102 node server.js RCD_SESSION_ID=abc123',
      '  103 node other.js X_RCD_SESSION_ID=abc123 RCD_SESSION_ID=abc1234',
      '  104 grep RCD_SESSION_ID=abc123x',
      'garbage line',
    ].join('\n');
    assert.deepEqual(psLinesWithEnv(out, 'RCD_SESSION_ID', 'abc123'), [101, 102]);
  });
});
