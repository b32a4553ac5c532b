// What the page's renderers (markdown.ts, diff.ts, ansi.ts, claude-view.ts) build: a small tree of plain objects,
// not HTML and not DOM, so they stay pure (unit-tested in Node, test/unit/web-render.test.ts) and the one place that
// makes elements (dom.ts) decides what may become one. Agent text only ever ends up in a text node.

/** Style properties set through CSSOM (element.style), which the page's CSP allows where a style="" attribute is refused. */
export type Style = Partial<Record<'color' | 'backgroundColor' | 'fontWeight' | 'fontStyle' | 'textDecoration' | 'opacity', string>>;

export interface VElement {
  tag: string;
  /** Attributes; dom.ts sets only those it allows (ALLOWED_ATTRS), and an href only when safeHref accepts it. */
  attrs?: Record<string, string>;
  style?: Style;
  children: VNode[];
}

/** A string is text: it becomes a text node, whatever it contains. */
export type VNode = string | VElement;

export function h(tag: string, attrs: Record<string, string> | null, ...children: (VNode | null | undefined | false)[]): VElement {
  const el: VElement = { tag, children: children.filter((c): c is VNode => c !== null && c !== undefined && c !== false) };
  if (attrs) el.attrs = attrs;
  return el;
}

/** The text a tree shows (what a reader sees, less the markup): for tests and for counting what the page holds. */
export const textOf = (v: VNode): string => (typeof v === 'string' ? v : v.children.map(textOf).join(''));

/** Every element in a tree, depth first (tests look for a tag or an attribute that must not be there). */
export function* elementsOf(v: VNode): Generator<VElement> {
  if (typeof v === 'string') return;
  yield v;
  for (const c of v.children) yield* elementsOf(c);
}

/**
 * A link target the page may follow: an absolute http(s) or mailto URL, nothing else (no javascript:, data:, file:,
 * nor a relative path, which would point into the relay). Returns the parsed form, or null.
 */
export function safeHref(href: string): string | null {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f]/.test(href.trim())) return null;
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return null;
  }
  return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
}
