// The claude adapter's pure parts: parsing Claude Code's lines (unknown ones kept, never fatal), what rcd writes
// to its stdin, the flags rcd owns, where transcripts live, and rendering for `rcd logs`.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { claudeAdapter } from '../../src/agents/claude/adapter.js';
import { claudeArgs, hasTranscript, ownedFlagIn, transcriptPath } from '../../src/agents/claude/launch.js';
import { interruptRequest, parseLine, permissionResponse, userMessage } from '../../src/agents/claude/protocol.js';
import { ClaudeRenderer } from '../../src/agents/claude/render.js';

const j = (v: unknown) => JSON.stringify(v);

describe('claude protocol lines', () => {
  it('recognises a can_use_tool request with its tool and input', () => {
    const line = parseLine(j({ type: 'control_request', request_id: 'r1', request: { subtype: 'can_use_tool', tool_name: 'Bash', input: { command: 'ls' }, tool_use_id: 't1', extra: 1 } }));
    assert.equal(line.kind, 'permission');
    assert.ok(line.kind === 'permission');
    assert.equal(line.requestId, 'r1');
    assert.equal(line.request.tool_name, 'Bash');
    assert.deepEqual(line.request.input, { command: 'ls' });
  });

  it('keeps unknown types, malformed known types and non-JSON text instead of failing', () => {
    assert.deepEqual(parseLine(j({ type: 'brand_new', x: 1 })), { kind: 'unknown', value: { type: 'brand_new', x: 1 } });
    assert.equal(parseLine(j({ type: 'assistant', message: 'not an object' })).kind, 'unknown');
    assert.deepEqual(parseLine('Error: something on stderr'), { kind: 'text', text: 'Error: something on stderr' });
    assert.equal(parseLine('[1,2]').kind, 'unknown');
    assert.equal(parseLine('null').kind, 'unknown');
  });

  it('writes one JSON document per line: user messages (newlines kept inside), answers, interrupts', () => {
    const msg = userMessage('two\nlines');
    assert.equal(msg.toString().split('\n').length, 2, 'one line plus the final newline');
    assert.deepEqual(JSON.parse(msg.toString()), { type: 'user', message: { role: 'user', content: 'two\nlines' } });
    assert.deepEqual(JSON.parse(permissionResponse('r1', { allow: true, input: { command: 'ls' } }).toString()), {
      type: 'control_response', response: { subtype: 'success', request_id: 'r1', response: { behavior: 'allow', updatedInput: { command: 'ls' } } },
    });
    assert.deepEqual(JSON.parse(permissionResponse('r2', { allow: false, message: 'no' }).toString()).response.response, { behavior: 'deny', message: 'no' });
    assert.deepEqual(JSON.parse(interruptRequest('i1').toString()), { type: 'control_request', request_id: 'i1', request: { subtype: 'interrupt' } });
  });
});

describe('claude launch', () => {
  it('finds flags rcd owns, also in --flag=value form, and lets others through', () => {
    assert.equal(ownedFlagIn(['--model', 'opus', '--permission-mode', 'acceptEdits']), null);
    assert.equal(ownedFlagIn(['--model', 'x', '--resume=abc']), '--resume');
    assert.equal(ownedFlagIn(['-p']), '-p');
    assert.throws(() => claudeAdapter.validate(['--session-id', 'x']), /--session-id is one of the Claude Code flags rcd sets itself/);
  });

  it('starts with --session-id, continues with --resume, passes the rest through', () => {
    assert.deepEqual(claudeArgs('u1', false, ['--model', 'm']).slice(-4), ['--session-id', 'u1', '--model', 'm']);
    assert.deepEqual(claudeArgs('u1', true, []).slice(-2), ['--resume', 'u1']);
    assert.ok(claudeArgs('u1', false, []).includes('--replay-user-messages'), 'prompts come back in the output');
    assert.equal(claudeArgs('u1', false, ['--replay-user-messages']).filter((a) => a === '--replay-user-messages').length, 1, 'given once');
    assert.ok(claudeArgs('u1', true, []).includes('stdio'));
  });

  it('looks for the transcript where Claude Code writes it, and resumes only when it exists', () => {
    const home = mkdtempSync(join(tmpdir(), 'rcd-claude-home-'));
    try {
      const cwd = '/work/my_project.v2';
      const path = transcriptPath({ HOME: home }, cwd, 'abc');
      assert.equal(path, join(home, '.claude', 'projects', '-work-my-project-v2', 'abc.jsonl'));
      assert.equal(transcriptPath({ HOME: home, CLAUDE_CONFIG_DIR: '/cfg' }, cwd, 'abc'), '/cfg/projects/-work-my-project-v2/abc.jsonl');
      const bin = join(home, 'claude');
      writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
      const find = (p: string) => (p === bin ? bin : null);
      const input = { id: 's', cwd, env: { HOME: home, RCD_CLAUDE_BIN: bin }, command: [], agentSessionId: 'abc', permissionMode: null };
      const first = claudeAdapter.launch(input, find);
      assert.ok('argv' in first && !first.resumed && first.argv.includes('--session-id'));
      assert.equal(hasTranscript(input.env, cwd, 'abc'), false);
      mkdirSync(join(home, '.claude', 'projects', 'elsewhere'), { recursive: true });
      writeFileSync(join(home, '.claude', 'projects', 'elsewhere', 'other.jsonl'), '{}\n');
      assert.equal(hasTranscript(input.env, cwd, 'abc'), false, 'another conversation is not this one');
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, '{}\n');
      const again = claudeAdapter.launch(input, find);
      assert.ok('argv' in again && again.resumed && again.argv.includes('--resume'));
      const missing = claudeAdapter.launch({ ...input, env: { HOME: home, PATH: '/nowhere' } }, () => null);
      assert.ok('error' in missing && /`claude` on the PATH/.test(missing.error));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('claude rendering', () => {
  const lines = [
    j({ type: 'system', subtype: 'init', session_id: 'c0ffee', model: 'm1', permissionMode: 'default' }),
    j({ type: 'user', message: { role: 'user', content: 'look around\nthen report' }, isReplay: true }),
    j({ type: 'assistant', message: { content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 't', name: 'Bash', input: { command: 'ls -la' } }] } }),
    j({ type: 'control_request', request_id: 'abcdef1234', request: { subtype: 'can_use_tool', tool_name: 'Bash', input: { command: 'ls -la' } } }),
    j({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't', content: 'a\nb' }] } }),
    j({ type: 'result', subtype: 'success', num_turns: 2, total_cost_usd: 0.01234, duration_ms: 1500, permission_denials: [] }),
    j({ type: 'mystery', n: 1 }),
    'plain stderr text',
  ].join('\n') + '\n';

  it('renders assistant text, tool calls, approvals, results and turn summaries; unknown lines verbatim', () => {
    const r = new ClaudeRenderer('s1');
    const out = r.push(Buffer.from(lines)) + r.end();
    assert.equal(out, [
      '── claude m1 · permissions: default · conversation c0ffee',
      '> look around',
      '> then report',
      'Let me look.',
      '→ Bash: ls -la',
      '? Bash: ls -la',
      '  waiting for approval abcdef12: rcd approve s1 abcdef12 [--always]  |  rcd deny s1 abcdef12',
      '← tool result',
      '    a',
      '    b',
      '── turn done · 2 turns · $0.0123 · 1.5 s',
      '{"type":"mystery","n":1}',
      'plain stderr text',
      '',
    ].join('\n'));
  });

  it('gives the same text whatever the chunking (lines and characters split across chunks)', () => {
    const whole = Buffer.from(lines.replace('Let me look.', 'Let me look — ünïcode.'));
    const once = new ClaudeRenderer();
    const expected = once.push(whole) + once.end();
    for (const size of [1, 2, 3, 7, 64]) {
      const r = new ClaudeRenderer();
      let out = '';
      for (let i = 0; i < whole.length; i += size) out += r.push(whole.subarray(i, i + size));
      assert.equal(out + r.end(), expected, `chunks of ${size} bytes`);
    }
  });
});
