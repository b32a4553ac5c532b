// The one place where the page's rendered trees (vnode.ts) become elements. Tags and attributes come from the
// renderers, not from agent text, but they are checked here again all the same: a tag outside ALLOWED_TAGS becomes
// its text, an attribute outside ALLOWED_ATTRS is dropped, a link keeps its href only if safeHref accepts it (and
// then opens apart from this page, without a referrer). Text only ever goes into text nodes; styles go through
// CSSOM (the CSP, src/relay/pages/html.ts, refuses style attributes).
import { safeHref, type VNode } from './vnode.js';

const ALLOWED_TAGS = new Set([
  'a', 'blockquote', 'br', 'code', 'del', 'details', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'li', 'ol',
  'p', 'pre', 'span', 'strong', 'summary', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul', 'button',
]);
const ALLOWED_ATTRS = new Set(['class', 'href', 'start', 'title', 'open', 'type', 'data-tool', 'aria-label']);

export function toDom(v: VNode): Node {
  if (typeof v === 'string') return document.createTextNode(v);
  if (!ALLOWED_TAGS.has(v.tag)) return document.createTextNode(v.children.map((c) => toDom(c).textContent ?? '').join(''));
  const el = document.createElement(v.tag);
  for (const [k, value] of Object.entries(v.attrs ?? {})) {
    if (!ALLOWED_ATTRS.has(k)) continue;
    if (k === 'href') {
      const href = v.tag === 'a' ? safeHref(value) : null;
      if (!href) continue;
      el.setAttribute('href', href);
      el.setAttribute('rel', 'noopener noreferrer');
      el.setAttribute('target', '_blank');
      continue;
    }
    el.setAttribute(k, value);
  }
  if (v.style) Object.assign(el.style, v.style);
  for (const c of v.children) el.appendChild(toDom(c));
  return el;
}

/** A list of trees as one fragment, to insert at once. */
export function fragment(nodes: readonly VNode[]): DocumentFragment {
  const f = document.createDocumentFragment();
  for (const n of nodes) f.appendChild(toDom(n));
  return f;
}
