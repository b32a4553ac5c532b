// `rcd start --worktree` on real git repositories: sessions on one repository at once, each in a worktree and on a
// branch of its own, the user's own worktree untouched; `rcd rm` removes a clean worktree (branch kept) and keeps one
// with uncommitted work unless --force; a branch that exists and a directory outside any repository are refused,
// with nothing made.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rcd, fixture, waitFor } from '../helpers/harness.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } }).trim();

interface Doc { id: string; name: string; cwd: string; state: string; worktree: { path: string; branch: string; repo: string } | null }

describe('sessions in git worktrees', () => {
  let rcd: Rcd;
  let repo = '';

  before(() => {
    rcd = new Rcd('rcd-worktrees-');
    repo = rcd.workdir('repo');
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'start');
    writeFileSync(join(repo, 'README'), 'the user\'s own work in progress\n'); // the main worktree is dirty: never touched
  });
  after(async () => {
    assert.deepEqual(await rcd.teardown(), []);
  });

  const start = (name: string, ...extra: string[]) =>
    rcd.ok(['start', '--cwd', repo, '--worktree', '--name', name, ...extra, '--json', '--', process.execPath, fixture('echo.mjs')]).then((o) => JSON.parse(o) as Doc);
  const branches = () => git(repo, 'branch', '--format=%(refname:short)').split('\n').sort();

  it('runs eight sessions on one repository at once, each in its own worktree on its own branch', async () => {
    const docs = await Promise.all(Array.from({ length: 8 }, (_, i) => start(`agent-${i}`)));
    await waitFor(async () => (await rcd.status()).sessions.filter((s) => s.state === 'running').length === 8, 'all eight running');
    assert.equal(new Set(docs.map((d) => d.cwd)).size, 8, 'eight directories');
    for (const d of docs) {
      assert.equal(d.worktree?.path, d.cwd);
      assert.equal(d.worktree?.repo, repo);
      assert.equal(d.worktree?.branch, `rcd/${d.name}`);
      assert.ok(!d.cwd.startsWith(repo + '/'), 'outside the repository');
      assert.equal(git(d.cwd, 'rev-parse', '--abbrev-ref', 'HEAD'), `rcd/${d.name}`);
    }
    assert.deepEqual(branches(), ['main', ...docs.map((d) => `rcd/${d.name}`)].sort());
    await rcd.ok(['send', 'agent-3', 'hello from a worktree']);
    await waitFor(async () => (await rcd.logs('agent-3')).includes('echo: hello from a worktree'), 'the agent in its worktree');
    const st = (await rcd.status()).sessions as unknown as Doc[];
    assert.equal(st.find((s) => s.name === 'agent-3')?.worktree?.branch, 'rcd/agent-3', 'status --json carries the worktree');
    assert.equal(git(repo, 'status', '--porcelain'), '?? README', 'the user\'s worktree is as it was');
    for (const d of docs) await rcd.ok(['stop', d.name]);
  });

  it('rm removes a clean worktree and keeps its branch; one with uncommitted work stays until --force', async () => {
    const clean = (await rcd.status()).sessions.find((s) => s.name === 'agent-0') as unknown as Doc;
    const said = await rcd.ok(['rm', 'agent-0']);
    assert.match(said, /removed its worktree .*; branch rcd\/agent-0 is kept/);
    assert.equal(existsSync(clean.cwd), false);
    assert.ok(branches().includes('rcd/agent-0'));

    const dirty = (await rcd.status()).sessions.find((s) => s.name === 'agent-1') as unknown as Doc;
    writeFileSync(join(dirty.cwd, 'new-file'), 'work\n');
    const kept = await rcd.run(['rm', 'agent-1']);
    assert.equal(kept.code, 1);
    assert.match(kept.stderr, /has uncommitted work; the session and the worktree are kept/);
    assert.ok(existsSync(join(dirty.cwd, 'new-file')));
    assert.ok((await rcd.status()).sessions.some((s) => s.name === 'agent-1'));
    await rcd.ok(['rm', 'agent-1', '--force']);
    assert.equal(existsSync(dirty.cwd), false);
    assert.ok(branches().includes('rcd/agent-1'));
  });

  it('refuses a branch that exists and a directory outside any repository, and makes nothing', async () => {
    const before = readdirSync(join(rcd.home, 'worktrees'), { recursive: true }).length;
    const taken = await rcd.run(['start', '--cwd', repo, '--worktree', '--name', 'again', '--branch', 'main', '--', process.execPath, fixture('echo.mjs')]);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /branch main exists already/);
    const plain = rcd.workdir('not-a-repo');
    mkdirSync(plain, { recursive: true });
    const norepo = await rcd.run(['start', '--cwd', plain, '--worktree', '--', process.execPath, fixture('echo.mjs')]);
    assert.equal(norepo.code, 1);
    assert.match(norepo.stderr, /is not in a git repository/);
    assert.equal(readdirSync(join(rcd.home, 'worktrees'), { recursive: true }).length, before, 'no worktree made');
    assert.ok(!(await rcd.status()).sessions.some((s) => s.name === 'again'));
    const usage = await rcd.run(['start', '--cwd', repo, '--branch', 'x', '--', process.execPath, fixture('echo.mjs')]);
    assert.equal(usage.code, 2);
  });
});
