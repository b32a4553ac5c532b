#!/usr/bin/env node
// A tiny stand-in for a coding agent, bundled so `npm start` shows rcd working with no network and no API key.
// It reads one prompt per stdin line and answers with a few lines of "work", like a real agent's transcript.
import { createInterface } from 'node:readline';

const say = (line) => process.stdout.write(`${line}\n`);
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

say(`sample-agent ready in ${process.cwd()} (pid ${process.pid}); send me a prompt with: rcd send demo "your text"`);

let turn = 0;
const rl = createInterface({ input: process.stdin });
for await (const prompt of rl) {
  turn += 1;
  say(`> ${prompt}`);
  say(`[turn ${turn}] thinking…`);
  await pause(300);
  const words = prompt.trim().split(/\s+/).filter(Boolean);
  say(`[turn ${turn}] tool: count_words(${JSON.stringify(prompt)}) -> ${words.length}`);
  await pause(200);
  say(`[turn ${turn}] answer: ${words.length} word(s); reversed: "${[...prompt].reverse().join('')}"`);
}
