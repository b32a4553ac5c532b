// The output box: what the session said, rendered (claude-view.ts for a claude session, ansi.ts for any other agent)
// and placed. New output is appended at the end; an older page of history (history.ts) is put at the start. A tool
// call's result is put under its call, whichever of the two the page got first (a call on an older page adopts the
// result shown alone). The view follows the end only when the reader is there; otherwise a "New output" button
// says there is more. The box keeps at most MAX_CHARS of text: past that the oldest blocks go (and `onTrim` is told,
// since the history before them can no longer be loaded in place).
import { Terminal } from './ansi.js';
import { claudeItems, itemNode, resultBody, toolLine, type Item } from './claude-view.js';
import { fragment, toDom } from './dom.js';
import { h, textOf, type VNode } from './vnode.js';

const MAX_CHARS = 2_000_000;
// Within this many pixels of the bottom, the reader counts as being at the end.
const AT_END_PX = 40;

const page = (): HTMLElement => document.scrollingElement as HTMLElement ?? document.documentElement;
const atEnd = (): boolean => window.innerHeight + window.scrollY >= page().scrollHeight - AT_END_PX;

export class Transcript {
  /** Tool calls shown, by id: the result, when it comes, goes under its call. */
  private readonly calls = new Map<string, HTMLElement>();
  /** Results shown without their call (it is on a page not loaded yet), by the call's id. */
  private readonly orphans = new Map<string, HTMLElement>();
  private readonly terminal = new Terminal();
  /** A generic agent's output goes on in this <pre> while nothing else comes between. */
  private term: HTMLElement | null = null;
  /** The unfinished last line of a claude session's output: rendered when its newline comes. */
  private carry = '';
  private chars = 0;

  constructor(private readonly out: HTMLElement, private readonly claude: boolean, private readonly newOutput: HTMLElement,
    private readonly onTrim: () => void) {
    newOutput.addEventListener('click', () => {
      window.scrollTo(0, page().scrollHeight);
      newOutput.hidden = true;
    });
    window.addEventListener('scroll', () => {
      if (!newOutput.hidden && atEnd()) newOutput.hidden = true;
    }, { passive: true });
  }

  /** New output (decoded text; a chunk may end inside a line), at the end. Call once per relay answer, not per event. */
  append(text: string): void {
    if (!text) return;
    this.atTheEnd(() => {
      if (this.claude) {
        const whole = this.carry + text;
        const end = whole.lastIndexOf('\n');
        this.carry = end === -1 ? whole : whole.slice(end + 1);
        if (end !== -1) this.out.appendChild(this.render(whole.slice(0, end)));
      } else {
        const nodes = this.terminal.push(text);
        if (!nodes.length) return;
        if (!this.term || this.term !== this.out.lastChild) this.term = this.out.appendChild(toDom(h('pre', { class: 'term' })) as HTMLElement);
        this.term.appendChild(fragment(nodes));
        this.count(nodes);
      }
    });
  }

  /** A line of the page's own (a gap, an event refused), at the end. */
  noteAtEnd(text: string): void {
    this.atTheEnd(() => this.out.appendChild(toDom(h('div', { class: 'note' }, text))));
  }

  /**
   * An older page of history (whole lines, decoded) and the page's own notes about it, at the start, with the
   * reader's view kept where it was: what they were reading does not move. `alongside` changes the page above the
   * box at the same time (its height change is made up for with the rest).
   */
  prepend(text: string, notes: readonly string[] = [], alongside?: () => void): void {
    const f = document.createDocumentFragment();
    for (const n of notes) f.appendChild(toDom(h('div', { class: 'note' }, n)));
    if (this.claude) f.appendChild(this.render(text));
    else {
      const nodes = new Terminal().push(text);
      if (nodes.length) f.appendChild(toDom(h('pre', { class: 'term' }, ...nodes)));
      this.count(nodes);
    }
    const before = page().scrollHeight;
    const y = window.scrollY;
    this.out.insertBefore(f, this.out.firstChild);
    alongside?.(); // a change above the box (the Load button going) is made up for too
    window.scrollTo(0, y + page().scrollHeight - before);
  }

  /** Runs a change at the end of the box, following it if the reader was at the end, else offering to jump there. */
  private atTheEnd(change: () => void): void {
    const following = atEnd();
    change();
    this.trim();
    if (following) window.scrollTo(0, page().scrollHeight);
    else this.newOutput.hidden = false;
  }

  /** Whole lines of a claude session's output as one fragment, each result under its call. */
  private render(lines: string): DocumentFragment {
    const f = document.createDocumentFragment();
    for (const line of lines.split('\n')) {
      if (!line.trim()) continue;
      for (const item of claudeItems(line)) {
        const el = this.place(item);
        if (el) f.appendChild(el);
      }
    }
    return f;
  }

  /** An item's element, or null when it went somewhere already shown (a result under its call). */
  private place(item: Item): Node | null {
    if (item.kind === 'result') {
      const call = this.calls.get(item.id);
      if (call) {
        this.settle(call, toDom(resultBody(item.text, item.error)), item.error);
        this.chars += item.text.length;
        return null;
      }
    }
    const node = itemNode(item);
    this.count([node]);
    const el = toDom(node) as HTMLElement;
    if (item.kind === 'result') this.orphans.set(item.id, el);
    if (item.kind === 'tool') {
      this.calls.set(item.id, el);
      const orphan = this.orphans.get(item.id);
      if (orphan) {
        // The call came after its result (an older page): the result moves under it.
        const body = orphan.querySelector('pre.result');
        if (body) this.settle(el, body, body.classList.contains('error'));
        orphan.remove();
        this.orphans.delete(item.id);
      }
    }
    return el;
  }

  /** A call's result goes under it, and its line says how it went. */
  private settle(call: HTMLElement, body: Node, error: boolean): void {
    call.querySelector('pre.pending')?.replaceWith(body);
    const summary = call.querySelector('summary');
    if (summary && !summary.querySelector('.ok, .error')) {
      const line = toolLine('', error ? 'error' : 'ok').at(-1) as VNode;
      summary.appendChild(toDom(line));
    }
  }

  private count(nodes: readonly VNode[]): void {
    for (const n of nodes) this.chars += textOf(n).length;
  }

  /** Past MAX_CHARS the oldest blocks go; the maps forget what went with them. */
  private trim(): void {
    if (this.chars <= MAX_CHARS) return;
    for (;;) {
      const first = this.out.firstChild;
      if (this.chars <= MAX_CHARS || !first) break;
      // A generic agent's one long <pre> loses its oldest spans rather than going whole.
      const from = first === this.out.lastChild ? first : this.out;
      const gone = from.firstChild;
      if (!gone || (from === first && gone === first.lastChild)) break;
      this.chars -= (gone.textContent ?? '').length;
      from.removeChild(gone);
    }
    for (const map of [this.calls, this.orphans]) for (const [id, el] of map) if (!el.isConnected) map.delete(id);
    this.onTrim();
  }
}
