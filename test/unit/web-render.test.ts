// The session page's renderers, run in Node (test/helpers/web-bundle.ts bundles them): Markdown (markdown.ts, on
// marked's lexer), diffs (diff.ts, on jsdiff) and terminal output (ansi.ts). They build plain trees (vnode.ts) that
// dom.ts turns into elements; what must hold is visible in the trees: agent text stays text (a <script> or an
// <img onerror> is characters, not an element), no link leads anywhere but http(s) or mailto, and every terminal
// escape but colour is gone.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { importWeb } from '../helpers/web-bundle.js';

type VElement = { tag: string; attrs?: Record<string, string>; style?: Record<string, string>; children: VNode[] };
type VNode = string | VElement;
interface Render {
  markdown(text: string): VNode[];
  diffRows(before: string, after: string): { op: string; text: string }[];
  editRows(tool: string, input: unknown): { op: string; text: string }[] | null;
  Terminal: new () => { push(chunk: string): VNode[] };
  textOf(v: VNode): string;
  elementsOf(v: VNode): Iterable<VElement>;
  safeHref(href: string): string | null;
}

let r: Render;
before(async () => {
  r = await importWeb<Render>(['markdown.ts', 'diff.ts', 'ansi.ts', 'vnode.ts']);
});

const all = (nodes: VNode[]): VElement[] => nodes.flatMap((n) => [...r.elementsOf(n)]);
const text = (nodes: VNode[]): string => nodes.map((n) => r.textOf(n)).join('');
const tags = (nodes: VNode[]): string[] => all(nodes).map((e) => e.tag);

describe('Markdown on the session page', () => {
  it('renders code blocks, lists, emphasis, tables and safe links as elements', () => {
    const md = r.markdown('# Plan\n\n1. **bold** and *em* and `code`\n2. [docs](https://example.com/a?b=1)\n\n```ts\nconst x = 1 < 2;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n');
    assert.deepEqual(tags(md), ['h1', 'ol', 'li', 'strong', 'em', 'code', 'li', 'a', 'pre', 'code', 'div', 'table', 'thead', 'tr', 'th', 'th', 'tbody', 'tr', 'td', 'td', 'ul', 'li']);
    const link = all(md).find((e) => e.tag === 'a');
    assert.deepEqual(link?.attrs, { href: 'https://example.com/a?b=1' });
    assert.equal(r.textOf(all(md).find((e) => e.tag === 'pre') as VElement), 'const x = 1 < 2;');
    assert.match(text(md), /☑ done/);
  });

  it('shows raw HTML in agent text as the text it is: no script, no img, no handler', () => {
    const evil = 'Hi <script>alert(1)</script> <img src=x onerror="alert(2)"> <a href="javascript:alert(3)">x</a>\n\n<div onclick="alert(4)">block</div>\n\n<iframe srcdoc="<script>alert(5)</script>"></iframe>';
    const md = r.markdown(evil);
    assert.deepEqual([...new Set(tags(md))], ['p'], 'paragraphs of text, nothing else');
    for (const bit of ['<script>alert(1)</script>', '<img src=x onerror="alert(2)">', '<div onclick="alert(4)">block</div>', '<iframe srcdoc=']) {
      assert.ok(text(md).includes(bit), `${bit} is shown as text`);
    }
    assert.ok(all(md).every((e) => Object.keys(e.attrs ?? {}).length === 0), 'no attribute comes from the text');
  });

  it('links only to absolute http(s) and mailto addresses; anything else stays text, target shown', () => {
    const hrefs = (src: string) => all(r.markdown(src)).filter((e) => e.tag === 'a').map((e) => e.attrs?.href);
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<script>alert(1)</script>',
      'vbscript:x', 'file:///etc/passwd', '/relative', '#frag', '//evil.example/x']) {
      assert.deepEqual(hrefs(`[click](${bad})`), [], bad);
      assert.deepEqual(hrefs(`<${bad}>`), [], `autolink ${bad}`);
    }
    assert.deepEqual(hrefs('[x](javascript:alert(1))'), []);
    assert.equal(text(r.markdown('[click](javascript:alert(1))')), 'click (javascript:alert(1))');
    assert.deepEqual(hrefs('see www.example.com, <https://a.example/b> and [m](mailto:a@b.example)'), ['http://www.example.com/', 'https://a.example/b', 'mailto:a@b.example']);
    assert.deepEqual(hrefs('![pic](https://x.example/p.png)'), ['https://x.example/p.png'], 'an image is a link to it: the page loads none');
    assert.equal(r.safeHref('https://ok.example/ x'), null, 'no spaces or controls inside');
  });

  it('decodes the common character references and never throws', () => {
    assert.equal(text(r.markdown('a &amp; b &lt;c&gt; &#x41;&#66; &bogus; &#0;')), 'a & b <c> AB &bogus; \ufffd', 'marked makes NUL the replacement character');
    assert.ok(text(r.markdown('*'.repeat(5000) + '[' .repeat(5000))).length > 0);
  });
});

describe('diffs on the session page', () => {
  it('shows an edit as its removed, added and kept lines', () => {
    assert.deepEqual(r.diffRows('a\nb\nc\n', 'a\nB\nc\nd\n'), [
      { op: ' ', text: 'a' }, { op: '-', text: 'b' }, { op: '+', text: 'B' }, { op: ' ', text: 'c' }, { op: '+', text: 'd' },
    ]);
    assert.deepEqual(r.editRows('Write', { file_path: 'f', content: 'x\ny\n' }), [{ op: '+', text: 'x' }, { op: '+', text: 'y' }], 'a Write is all added');
    assert.deepEqual(r.editRows('MultiEdit', { edits: [{ old_string: 'a', new_string: 'b' }, { old_string: 'c', new_string: '' }] }),
      [{ op: '-', text: 'a' }, { op: '+', text: 'b' }, { op: ' ', text: '⋯' }, { op: '-', text: 'c' }]);
    assert.equal(r.editRows('Bash', { command: 'ls' }), null);
    assert.equal(r.editRows('Edit', { old_string: 1 }), null, 'an Edit without its strings is a tool call like another');
  });

  it('stays quick on a large rewrite (every old line removed, every new one added)', () => {
    const a = Array.from({ length: 5000 }, (_, i) => `old ${i}`).join('\n');
    const b = Array.from({ length: 5000 }, (_, i) => `new ${i}`).join('\n');
    const t = Date.now();
    const rows = r.diffRows(a, b);
    assert.ok(Date.now() - t < 2000, `${Date.now() - t} ms`);
    assert.equal(rows.filter((x) => x.op === '-').length, 5000);
    assert.equal(rows.filter((x) => x.op === '+').length, 5000);
  });
});

describe('terminal output on the session page', () => {
  const render = (...chunks: string[]) => {
    const t = new r.Terminal();
    return chunks.flatMap((c) => t.push(c));
  };
  const spans = (nodes: VNode[]) => nodes.map((n) => (typeof n === 'string' ? n : { text: r.textOf(n), class: n.attrs?.class, style: n.style }));

  it('renders SGR colours (16, 256, truecolor) and attributes as styled spans', () => {
    assert.deepEqual(spans(render('\x1b[1;31mred\x1b[0m plain \x1b[38;5;208mo\x1b[48;2;1;2;3mt\x1b[39;49m \x1b[4;9;3mu\x1b[m')), [
      { text: 'red', class: 't-f1', style: { fontWeight: 'bold' } },
      ' plain ',
      { text: 'o', class: undefined, style: { color: '#ff8700' } },
      { text: 't', class: undefined, style: { color: '#ff8700', backgroundColor: '#010203' } },
      ' ',
      { text: 'u', class: undefined, style: { fontStyle: 'italic', textDecoration: 'underline line-through' } },
    ]);
    assert.deepEqual(spans(render('\x1b[92;44mx\x1b[7my')), [{ text: 'x', class: 't-f10 t-b4', style: undefined }, { text: 'y', class: 't-f4 t-b10', style: undefined }]);
    assert.deepEqual(spans(render('\x1b[38:2::9:8:7mc')), [{ text: 'c', class: undefined, style: { color: '#090807' } }], 'the colon form');
    assert.deepEqual(spans(render('\x1b[38;5;255mg')), [{ text: 'g', class: undefined, style: { color: '#eeeeee' } }]);
  });

  it('drops every other escape: cursor moves, clears, OSC titles and links, DCS, lone ESC and controls', () => {
    const out = render('a\x1b[2J\x1b[10;5Hb\x1b[?25l\x1b]0;title\x07c\x1b]8;;https://x.example\x1b\\link\x1b]8;;\x1b\\d\x1bPq#0\x1b\\e\x1b7f\x1b=g\x07\x08h\x1bzi\r\nj\rk');
    assert.deepEqual(out, ['abclinkdefghi\nj\nk']);
  });

  it('joins escapes split between chunks, and shows hidden characters', () => {
    assert.deepEqual(spans(render('x\x1b[3', '1my\x1b]0;ti', 'tle\x07z')), ['x', { text: 'y', class: 't-f1', style: undefined }, { text: 'z', class: 't-f1', style: undefined }]);
    assert.deepEqual(render('a\r', '\nb'), ['a', '\nb'], 'a CRLF split in two is one newline');
    assert.deepEqual(render('rm\u202e\u200bx'), ['rm<U+202E><U+200B>x']);
    assert.equal(text(render(`\x1b]0;${'x'.repeat(5000)}`, 'after')).endsWith('after'), true, 'an escape that never ends does not hold output back forever');
  });
});
