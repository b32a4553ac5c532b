// The claude adapter's scenarios against the real Claude Code CLI, driven through the real rcd CLI and daemon.
// Run by scripts/real-claude-check inside a network namespace that has only loopback; the model is the mock
// Messages API (test/helpers/mock-messages-api.ts) on 127.0.0.1, and a relay on 127.0.0.1 carries the `rcd remote`
// forms. The scenarios are in scripts/real-claude/ (basics, questions, plans and modes). Prints one line per scenario
// and a summary table; exits 1 if any scenario failed.
// Usage: node dist/scripts/real-claude-check.js /path/to/claude [GROUP...]   (GROUP: basics, questions, plansAndModes;
// default all of them, in that order)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basics } from './real-claude/basics.js';
import { Check } from './real-claude/context.js';
import { plansAndModes } from './real-claude/plans-modes.js';
import { questions } from './real-claude/questions.js';

const bin = process.argv[2];
if (!bin || !existsSync(bin)) {
  process.stderr.write('usage: real-claude-check.js /path/to/claude (run scripts/real-claude-check, which installs it)\n');
  process.exit(2);
}

const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
const check = await Check.create(bin);
process.stdout.write(`Claude Code ${version} at ${bin}; mock Messages API ${check.api.url}; relay ${check.relay.url}; RCD_HOME ${check.rcd.home}\n`);

let allOk = true;
try {
  const wanted = process.argv.slice(3);
  for (const group of [basics, questions, plansAndModes].filter((g) => wanted.length === 0 || wanted.includes(g.name))) {
    try {
      allOk = (await group(check)) && allOk;
    } catch (err) {
      allOk = false;
      process.stdout.write(`FAIL  ${group.name}: ${(err as Error).message}\n`);
    }
  }
} finally {
  const left = await check.close();
  if (left.length > 0) {
    allOk = false;
    process.stdout.write(`FAIL  processes were left behind: ${left.join(', ')}\n`);
  }
}

const { api, outcomes } = check;
const offsite = api.calls.filter((c) => c.method === 'CONNECT').length;
process.stdout.write(`\n| scenario | result | time |\n|---|---|---|\n`);
for (const o of outcomes) process.stdout.write(`| ${o.name} | ${o.ok ? 'PASS' : `FAIL: ${o.detail}`} | ${(o.ms / 1000).toFixed(1)} s |\n`);
const passed = outcomes.filter((o) => o.ok).length;
process.stdout.write(`\n${passed}/${outcomes.length} passed. Claude Code ${version}; ${api.requests} requests to the mock Messages API; ${offsite} proxy CONNECT attempts (refused).\n`);
process.exit(allOk ? 0 : 1);
