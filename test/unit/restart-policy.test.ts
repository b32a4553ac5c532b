// The restart policy: when an agent ends on its own, restart it (after how long), leave it exited, or give up.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RESTART_BACKOFF_CAP_MS,
  RESTART_RESET_AFTER_MS,
  START_LIMIT_BURST,
  START_LIMIT_WINDOW_MS,
  decideRestart,
  emptyHistory,
  type ExitInfo,
  type RestartDecision,
  type RestartHistory,
} from '../../src/daemon/sessions/restart-policy.js';

const BASE = 1_000;
const ok: ExitInfo = { exitCode: 0, signal: null };
const crashed: ExitInfo = { exitCode: 1, signal: null };
const killed: ExitInfo = { exitCode: null, signal: 'SIGKILL' };
// A run far shorter than the healthy threshold: the kind of run a crash loop makes.
const QUICK = 10;

function restart(d: RestartDecision): { delayMs: number; history: RestartHistory } {
  assert.equal(d.action, 'restart', `expected a restart, got ${JSON.stringify(d)}`);
  return d as Extract<RestartDecision, { action: 'restart' }>;
}

describe('restart policy', () => {
  it('"no" never restarts, whatever the exit', () => {
    for (const exit of [ok, crashed, killed]) {
      assert.deepEqual(decideRestart('no', exit, QUICK, emptyHistory(), 0, BASE), { action: 'exit' });
    }
  });

  it('"on-failure" restarts after a non-zero exit or a signal, not after exit 0', () => {
    assert.deepEqual(decideRestart('on-failure', ok, QUICK, emptyHistory(), 0, BASE), { action: 'exit' });
    assert.equal(restart(decideRestart('on-failure', crashed, QUICK, emptyHistory(), 0, BASE)).delayMs, BASE);
    assert.equal(restart(decideRestart('on-failure', killed, QUICK, emptyHistory(), 0, BASE)).delayMs, BASE);
  });

  it('"always" restarts even after exit 0', () => {
    assert.equal(restart(decideRestart('always', ok, QUICK, emptyHistory(), 0, BASE)).delayMs, BASE);
    assert.equal(restart(decideRestart('always', crashed, QUICK, emptyHistory(), 0, BASE)).delayMs, BASE);
  });

  it('doubles the delay per consecutive quick failure and never waits more than 60 s', () => {
    assert.equal(RESTART_BACKOFF_CAP_MS, 60_000);
    let history = emptyHistory();
    const delays: number[] = [];
    // Failures spaced beyond the start-limit window, so only the backoff is exercised.
    for (let i = 0; i < 9; i++) {
      const r = restart(decideRestart('always', crashed, QUICK, history, i * (START_LIMIT_WINDOW_MS + 1), BASE));
      delays.push(r.delayMs);
      history = r.history;
    }
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('starts the backoff from the configured base delay', () => {
    let history = emptyHistory();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = restart(decideRestart('on-failure', crashed, QUICK, history, i * (START_LIMIT_WINDOW_MS + 1), 10));
      delays.push(r.delayMs);
      history = r.history;
    }
    assert.deepEqual(delays, [10, 20, 40]);
  });

  it('goes back to the base delay after a run of 60 s or more, not after a shorter one', () => {
    assert.equal(RESTART_RESET_AFTER_MS, 60_000);
    const backedOff: RestartHistory = { consecutive: 4, recent: [] };
    assert.equal(restart(decideRestart('always', crashed, 60_000, backedOff, 0, BASE)).delayMs, BASE);
    assert.equal(restart(decideRestart('always', crashed, 59_999, backedOff, 0, BASE)).delayMs, 16_000);
  });

  it('gives up with a reason once it has restarted 5 times within 60 s', () => {
    assert.equal(START_LIMIT_BURST, 5);
    assert.equal(START_LIMIT_WINDOW_MS, 60_000);
    let history = emptyHistory();
    let now = 0;
    for (let i = 0; i < 5; i++) {
      history = restart(decideRestart('always', crashed, QUICK, history, now, BASE)).history;
      now += 1_000;
    }
    const d = decideRestart('always', crashed, QUICK, history, now, BASE);
    assert.equal(d.action, 'fail');
    const { reason } = d as Extract<RestartDecision, { action: 'fail' }>;
    assert.match(reason, /5 times within 60 s/);
    assert.match(reason, /exit code 1/);
  });

  it('counts only the restarts inside the window toward the start limit', () => {
    // Five restarts, the oldest exactly 60 s ago: it has left the window, so this exit may restart.
    const history: RestartHistory = { consecutive: 0, recent: [0, 10_000, 20_000, 30_000, 40_000] };
    const r = restart(decideRestart('always', crashed, QUICK, history, START_LIMIT_WINDOW_MS, BASE));
    assert.deepEqual(r.history.recent, [10_000, 20_000, 30_000, 40_000, START_LIMIT_WINDOW_MS]);
    // One millisecond earlier all five are inside the window: give up.
    assert.equal(decideRestart('always', crashed, QUICK, history, START_LIMIT_WINDOW_MS - 1, BASE).action, 'fail');
  });

  it('names the signal in the reason when the agent was killed', () => {
    const history: RestartHistory = { consecutive: 5, recent: [1, 2, 3, 4, 5] };
    const d = decideRestart('on-failure', killed, QUICK, history, 6, BASE);
    assert.equal(d.action, 'fail');
    assert.match((d as Extract<RestartDecision, { action: 'fail' }>).reason, /SIGKILL/);
  });
});
