// Assistant text as Markdown, for reading: marked's lexer (GFM) parses it into tokens, and this walks the tokens
// into vnode.ts trees. marked's HTML renderer is never used, so nothing is ever parsed as HTML: raw HTML in the text
// (a <script>, an <img onerror>) is shown as the text it is, links keep an href only when it is an absolute http(s)
// or mailto URL (safeHref; dom.ts checks again), and images become links to their address (the page loads none:
// its CSP has img-src 'none'). A token this does not know is shown as its source text, never dropped.
import { Lexer, type MarkedToken, type Token, type Tokens } from 'marked';
import { h, safeHref, type VNode } from './vnode.js';

// The lexer leaves character references as written (marked's HTML renderer passes them to the browser); text nodes
// would show them literally, so the common ones are decoded here. Others stay as written.
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]+);/gi, (all, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref.toLowerCase()] ?? all;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    // Not NUL, not a surrogate, not past Unicode: those stay as written (text.ts shows hidden characters).
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : all;
  });
}

const inlines = (tokens: readonly Token[] | undefined): VNode[] => (tokens ?? []).flatMap(inline);

function link(href: string, children: VNode[], title?: string | null): VNode[] {
  const safe = safeHref(href);
  // An unsafe or relative target: the link's text stays, and its target is shown beside it, unlinked.
  if (!safe) return [...children, ...(children.length && href ? [` (${href})`] : [href])];
  return [h('a', title ? { href: safe, title } : { href: safe }, ...children)];
}

function inline(token: Token): VNode[] {
  const t = token as MarkedToken;
  switch (t.type) {
    case 'text':
      return 'tokens' in t && t.tokens ? inlines(t.tokens) : [decodeEntities(t.text)];
    case 'escape':
      return [t.text];
    case 'strong':
      return [h('strong', null, ...inlines(t.tokens))];
    case 'em':
      return [h('em', null, ...inlines(t.tokens))];
    case 'del':
      return [h('del', null, ...inlines(t.tokens))];
    case 'codespan':
      return [h('code', null, t.text)];
    case 'br':
      return [h('br', null)];
    case 'link':
      return link(t.href, inlines(t.tokens), t.title);
    case 'image':
      return link(t.href, [`[image: ${t.text || t.href}]`], t.title);
    case 'html':
      return [t.text];
    case 'checkbox':
      return [t.checked ? '☑ ' : '☐ '];
    default:
      return [token.raw];
  }
}

function listItem(item: Tokens.ListItem): VNode {
  return h('li', null, ...blocks(item.tokens, !item.loose));
}

function table(t: Tokens.Table): VNode {
  const cell = (tag: 'th' | 'td', c: Tokens.TableCell) => h(tag, c.align ? { class: `align-${c.align}` } : null, ...inlines(c.tokens));
  return h('div', { class: 'table' },
    h('table', null,
      h('thead', null, h('tr', null, ...t.header.map((c) => cell('th', c)))),
      h('tbody', null, ...t.rows.map((r) => h('tr', null, ...r.map((c) => cell('td', c)))))));
}

/** `tight`: a tight list's items hold their text without a paragraph around it. */
function block(token: Token, tight = false): VNode[] {
  const t = token as MarkedToken;
  switch (t.type) {
    case 'space':
    case 'def':
      return [];
    case 'paragraph':
      return [h('p', null, ...inlines(t.tokens))];
    case 'text':
      return tight ? inline(t) : [h('p', null, ...inline(t))];
    case 'heading':
      return [h(`h${Math.min(Math.max(t.depth, 1), 6)}`, null, ...inlines(t.tokens))];
    case 'code':
      return [h('pre', { class: 'code' }, h('code', t.lang ? { title: t.lang } : null, t.text))];
    case 'blockquote':
      return [h('blockquote', null, ...blocks(t.tokens))];
    case 'list': {
      const start = typeof t.start === 'number' && t.start !== 1 ? { start: String(t.start) } : null;
      return [h(t.ordered ? 'ol' : 'ul', start, ...t.items.map(listItem))];
    }
    case 'table':
      return [table(t)];
    case 'hr':
      return [h('hr', null)];
    case 'checkbox':
      // A task list item's box (marked puts it before the item's text): shown, not an input to tick.
      return inline(t);
    case 'html':
      // Raw HTML shown as written, in a block of its own so it reads as what it is.
      return [h('p', null, t.text)];
    default:
      return 'tokens' in token && Array.isArray(token.tokens) ? [h('p', null, ...inlines(token.tokens))] : [h('p', null, token.raw)];
  }
}

const blocks = (tokens: readonly Token[], tight = false): VNode[] => tokens.flatMap((t) => block(t, tight));

/** Markdown text → trees to show. Never throws: text marked cannot parse is shown as it is. */
export function markdown(text: string): VNode[] {
  try {
    return blocks(Lexer.lex(text, { gfm: true, breaks: false }));
  } catch {
    return [h('p', null, text)];
  }
}
