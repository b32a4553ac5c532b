// scripts/chaos-relay.ts: chaos run for the relay link (docs/architecture.md guarantee 6). For --seconds (60) the relay is
// killed with SIGKILL and restarted on the same port at random moments (up 0.5-3 s, down 0-0.5 s), while an agent
// (test/fixtures/chatty.mjs) writes "line <n>" steadily, prompts are sent through the relay (POST
// /api/s/<token>/prompt, retried with the same idempotency key until answered, as `rcd remote send` does) and a
// remote follower long-polls the session's events the whole time. Afterwards the relay must hold exactly the
// agent's output (its events concatenated equal `rcd logs`), the follower must have seen exactly that too, every
// "line n" must be there once, in order, every accepted prompt (HTTP 201/200) must have run exactly once and no
// prompt more than once. Prints a JSON result, then PASS or FAIL (exit 1).
// Usage: scripts/chaos-relay [--seconds 60] [--every-ms 5] [--prompt-every-ms 150] [--min-up-ms 500]
//   [--max-up-ms 3000] [--max-down-ms 500]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Home, fixture, now, pct, sleep, waitFor } from './relay-kit.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' }, 'every-ms': { type: 'string', default: '5' },
    'prompt-every-ms': { type: 'string', default: '150' }, 'min-up-ms': { type: 'string', default: '500' },
    'max-up-ms': { type: 'string', default: '3000' }, 'max-down-ms': { type: 'string', default: '500' },
  },
});
const opt = (k: keyof typeof values) => {
  const n = Number(values[k]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${k} takes a whole number (got ${values[k]})`);
  return n;
};
const SECONDS = opt('seconds');
const EVERY = Math.max(1, opt('every-ms'));
const LINES = Math.floor((SECONDS * 1000) / EVERY);
const log = (s: string) => process.stderr.write(`chaos-relay: ${s}\n`);
const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

const h = new Home();
const result = {
  seconds: SECONDS, relayKills: 0, linkReconnects: 0, lines: LINES, linesOk: false,
  promptsAttempted: 0, promptsAccepted: 0, acceptedOnRetry: 0, promptsGivenUp: 0, ranExactlyOnce: 0, ranTwiceOrMore: 0,
  acceptedNotRun: 0, unconfirmedThatRan: 0, followerErrors: 0, outputBytes: 0, relayEvents: 0,
  promptToEchoMs: { p50: 0, p99: 0, max: 0 }, relayHoldsExactOutput: false, followerSawExactOutput: false, catchUpMs: 0, durationMs: 0, leftovers: [] as number[],
  error: null as string | null,
};

async function run(): Promise<void> {
  const t0 = Date.now();
  await h.up();
  const { id, remote } = await h.session('chatty', [process.execPath, fixture('chatty.mjs'), String(LINES), String(EVERY)]);
  log(`relay ${h.relay.url}; agent writes ${LINES} lines, one every ${EVERY} ms; flapping for ${SECONDS} s`);
  const deadline = now() + SECONDS * 1000;
  let flapping = true;

  const flapper = async () => {
    while (now() < deadline) {
      await sleep(rand(opt('min-up-ms'), opt('max-up-ms')));
      if (now() >= deadline) break;
      await h.relay.kill9();
      result.relayKills += 1;
      if (result.relayKills % 10 === 0) log(`relay kill ${result.relayKills}`);
      await sleep(rand(0, opt('max-down-ms')));
      await h.relay.start();
    }
    flapping = false;
  };

  const accepted: string[] = [];
  const attempted: string[] = [];
  const sentAt = new Map<string, number>(); // its first attempt
  const echoedAt = new Map<string, number>(); // when the follower saw its echo
  /** Sends one prompt, retrying with the same key until the relay answers 2xx (or 20 s pass). */
  const send = async (text: string): Promise<boolean> => {
    const key = randomUUID();
    attempted.push(text);
    sentAt.set(text, now());
    const giveUp = now() + 20_000;
    for (let tries = 0; now() < giveUp; tries++) {
      try {
        const code = await remote.prompt(text, key);
        if (code === 201 || code === 200) {
          accepted.push(text);
          if (tries > 0) result.acceptedOnRetry += 1;
          return true;
        }
        if (code < 500) throw Object.assign(new Error(`the prompt was refused with ${code}`), { fatal: true });
      } catch (err) {
        if ((err as { fatal?: boolean }).fatal) throw err;
      }
      await sleep(100);
    }
    result.promptsGivenUp += 1;
    return false;
  };
  const prompter = async () => {
    for (let n = 1; flapping; n++) {
      await send(`prompt-${n}`);
      await sleep(rand(0, 2 * opt('prompt-every-ms')));
    }
  };

  // A remote client following the output the whole time, as a phone would.
  let followed = Buffer.alloc(0);
  let cursor = 0;
  let following = true;
  let partial = '';
  const read = async (waitMs: number) => {
    const a = await remote.events(cursor, waitMs);
    for (const e of a.events) {
      cursor = e.seq;
      if (e.kind !== 'output') continue;
      const b = e.data;
      followed = Buffer.concat([followed, b]);
      const lines = (partial + b.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('echo: ') && !echoedAt.has(l.slice(6))) echoedAt.set(l.slice(6), now());
    }
    return a.events.length;
  };
  const follower = async () => {
    while (following) {
      try {
        await read(25_000);
      } catch {
        result.followerErrors += 1;
        await sleep(100);
      }
    }
  };

  const followerDone = follower();
  await Promise.all([flapper(), prompter()]);
  log(`flapping over after ${result.relayKills} kills; sending "bye" and waiting for the agent to finish`);
  if (!(await send('bye'))) throw new Error('the relay did not accept "bye"');
  await waitFor(async () => (await h.status(id)).sessions[0]?.state === 'exited', 'the agent to exit', LINES * EVERY * 3 + 60_000, 100);
  const c0 = now();
  await waitFor(async () => remote.complete().catch(() => null), 'the relay to hold everything', 120_000, 10);
  result.catchUpMs = Math.round(now() - c0);
  following = false;
  await followerDone;
  while ((await read(0)) > 0) {
    // the follower's last reads
  }

  const local = await h.api<string>('logs', { session: id });
  const held = await remote.output();
  result.outputBytes = Buffer.byteLength(local);
  result.relayEvents = held.lastSeq;
  result.relayHoldsExactOutput = held.bytes.equals(Buffer.from(local));
  result.followerSawExactOutput = followed.equals(Buffer.from(local));
  const lines = local.split('\n').filter((l) => l.startsWith('line '));
  result.linesOk = lines.length === LINES && lines.every((l, i) => l === `line ${i + 1}`);
  for (const text of attempted) {
    const n = occurrences(local, `echo: ${text}\n`);
    const ok = accepted.includes(text);
    if (n > 1) result.ranTwiceOrMore += 1;
    else if (n === 1 && ok) result.ranExactlyOnce += 1;
    else if (n === 1) result.unconfirmedThatRan += 1;
    else if (ok) result.acceptedNotRun += 1;
  }
  const lat = accepted.flatMap((t) => (echoedAt.has(t) ? [(echoedAt.get(t) as number) - (sentAt.get(t) as number)] : []));
  result.promptToEchoMs = { p50: Math.round(pct(lat, 50)), p99: Math.round(pct(lat, 99)), max: Math.round(Math.max(...lat)) };
  result.promptsAttempted = attempted.length;
  result.promptsAccepted = accepted.length;
  result.linkReconnects = (await h.link()).reconnects;
  result.durationMs = Date.now() - t0;
}

try {
  await run();
} catch (err) {
  result.error = (err as Error).stack ?? String(err);
} finally {
  log('cleaning up');
  result.leftovers = await h.cleanup(log);
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
const pass = result.error === null && result.leftovers.length === 0 && result.linesOk && result.relayHoldsExactOutput &&
  result.followerSawExactOutput && result.ranTwiceOrMore === 0 && result.acceptedNotRun === 0 && result.promptsGivenUp === 0 &&
  result.ranExactlyOnce === result.promptsAccepted && result.relayKills > 0;
process.stdout.write(pass
  ? `PASS: ${result.relayKills} relay kills; the relay and a live follower hold exactly the agent's output; ` +
    `all ${result.promptsAccepted} accepted prompts ran exactly once\n`
  : 'FAIL\n');
process.exitCode = pass ? 0 : 1;
