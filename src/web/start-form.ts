// The device page's start form (control URL only): a directory picked among those the daemon allows remote starts
// in — its remoteStartRoots, then their subdirectories, each list asked of the daemon itself (the `dirs` device
// instruction, which checks a directory as a start would) — an agent, a command for a generic agent, a name and a
// new worktree; Start sends the `start` instruction and shows what the daemon answered: the new session as a link,
// its refusal, or that it has not answered yet (offline: the relay keeps the request for it). Directory names and
// reasons come from the daemon and only ever become text.
import { formatDeviceUrl, type DeviceUrl } from '../e2e/url.js';
import { askDaemon, type Result } from './device-api.js';
import type { DevicePage } from './device-page.js';
import { clean } from './text.js';

// How long the form waits for the daemon: it answers within a poll when online.
const DIRS_WAIT_MS = 15_000;
const START_WAIT_MS = 20_000;

/** A command line as words: spaces separate them, '…' or "…" keep spaces in one; no other shell syntax. */
export function words(line: string): string[] {
  const out: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === '"' || ch === '\'') {
      quote = ch;
      word ??= '';
    } else if (/\s/.test(ch)) {
      if (word !== null) out.push(word);
      word = null;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== null) out.push(word);
  return out;
}

/** The directory above `path` (both absolute). */
export const parentOf = (path: string): string => path.slice(0, path.lastIndexOf('/')) || '/';

export function wireStartForm(p: DevicePage, d: DeviceUrl, started: () => void): void {
  p.start.hidden = false;
  let roots: string[] | null = null;
  /** The directory chosen (and listed), or null while the roots are shown. */
  let path: string | null = null;
  let busy = false;

  const generic = () => p.agent.value === 'generic';
  const refresh = () => {
    p.cwd.textContent = path === null ? 'no directory chosen' : clean(path);
    p.dirRoots.disabled = busy || path === null;
    p.dirUp.disabled = busy || path === null || (roots ?? []).includes(path);
    p.dirs.querySelectorAll('button').forEach((b) => { b.disabled = busy; });
    p.commandLabel.textContent = generic() ? 'Command (required; words, quotes keep spaces)' : 'Arguments for Claude Code (optional)';
    p.command.required = generic();
    p.agent.disabled = busy;
    p.submit.disabled = busy || path === null || (generic() && words(p.command.value).length === 0);
  };

  const dirButton = (label: string, target: string) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'plain';
    b.textContent = clean(label);
    b.addEventListener('click', () => void list(target));
    li.append(b);
    return li;
  };

  /** Shows the roots (`target` undefined) or the directories in `target`, as the daemon lists them. */
  const list = async (target?: string) => {
    busy = true;
    refresh();
    p.dirsNote.textContent = target === undefined ? 'Asking the daemon where sessions may start…' : 'Listing…';
    let result: Result | null;
    try {
      result = (await askDaemon(d, { kind: 'dirs', ...(target === undefined ? {} : { path: target }) }, DIRS_WAIT_MS)).result;
    } catch (err) {
      result = { ok: false, error: (err as Error).message };
    }
    busy = false;
    if (!result) {
      p.dirsNote.textContent = 'The daemon did not answer (offline?). Close and open this form again to retry.';
    } else if (!result.ok) {
      p.dirsNote.textContent = clean(`The daemon refused: ${result.error}`);
    } else if ('dirs' in result) {
      roots = result.roots;
      path = result.path;
      const entries = path === null ? result.roots.map((r) => dirButton(r, r)) : result.dirs.map((name) => dirButton(name, `${path === '/' ? '' : path}/${name}`));
      p.dirs.replaceChildren(...entries);
      p.dirsNote.textContent = path === null
        ? (result.roots.length ? 'Pick a directory; its subdirectories are listed next.' : 'No directory is allowed.')
        : `${result.dirs.length === 0 ? 'No subdirectories.' : 'Start here, or pick a subdirectory.'}${result.more ? ' (More not shown.)' : ''}`;
    } else {
      p.dirsNote.textContent = 'The daemon answered something else.';
    }
    refresh();
  };

  p.start.addEventListener('toggle', () => {
    if (p.start.open && roots === null && !busy) void list();
  });
  p.dirRoots.addEventListener('click', () => void list());
  p.dirUp.addEventListener('click', () => {
    if (path !== null) void list(parentOf(path));
  });
  p.agent.addEventListener('change', refresh);
  p.command.addEventListener('input', refresh);

  p.form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (p.submit.disabled || path === null) return;
    const cwd = path;
    const name = p.startName.value.trim();
    const body = {
      kind: 'start', cwd, agent: p.agent.value === 'generic' ? 'generic' : 'claude', command: words(p.command.value),
      worktree: p.worktree.checked, ...(name ? { name } : {}),
    };
    busy = true;
    refresh();
    p.result.replaceChildren(`Starting in ${clean(cwd)}…`);
    void (async () => {
      try {
        const { result } = await askDaemon(d, body, START_WAIT_MS);
        if (!result) {
          p.result.replaceChildren('Daemon offline — queued: it starts the session when it takes the request.');
        } else if (!result.ok) {
          p.result.replaceChildren(clean(`The daemon refused: ${result.error}`));
        } else if ('session' in result) {
          const s = result.session;
          const a = document.createElement('a');
          a.href = formatDeviceUrl(d.base, d.daemonId, d.scope, d.secret, s.id);
          a.textContent = clean(s.name);
          p.result.replaceChildren('Started ', a, clean(` in ${s.cwd}${s.worktree ? ` on branch ${s.worktree.branch}` : ''}.`));
          started();
        } else {
          p.result.replaceChildren('The daemon answered something else.');
        }
      } catch (err) {
        p.result.replaceChildren(clean(`Not sent: ${(err as Error).message}`));
      } finally {
        busy = false;
        refresh();
      }
    })();
  });
  refresh();
}
