// Shared pieces of the relay's HTML pages: escaping, the page frame with its inline style, the
// Content-Security-Policy that allows only this page's own inline script and style.
import { randomBytes } from 'node:crypto';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside an element or a quoted attribute. Everything from outside the relay goes through this. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

// The 16 base terminal colours (src/web/ansi.ts gives them as classes t-f0..15 and t-b0..15), per theme: each
// readable on the page's own background (a yellow for a light page is darker than the dark page's).
const LIGHT = ['#1d1f21', '#c62828', '#2e7d32', '#8d6e00', '#1565c0', '#8e24aa', '#00838f', '#616161',
  '#757575', '#e53935', '#43a047', '#a68a00', '#1e88e5', '#ab47bc', '#0097a7', '#9e9e9e'];
const DARK = ['#3b3f44', '#f14c4c', '#23d18b', '#e5e510', '#3b8eea', '#d670d6', '#29b8db', '#e5e5e5',
  '#8a8f95', '#ff6b6b', '#5af0a8', '#f5f543', '#6aaef5', '#e690e6', '#52d0ee', '#ffffff'];
const palette = (colours: readonly string[]): string => colours.map((c, i) => `--t${i}: ${c};`).join(' ');
const terminalColours = (): string =>
  Array.from({ length: 16 }, (_, i) => `#out .t-f${i} { color: var(--t${i}); } #out .t-b${i} { background: var(--t${i}); }`).join('\n');

const STYLE = `
:root { color-scheme: light dark; --fg: #1d1f21; --bg: #fafafa; --muted: #666; --box: #fff; --line: #ddd; --accent: #2a6ed8;
  --code: #f2f3f5; --add: #e3f6e6; --del: #fbe5e5; --ok: #2e7d3a; --err: #c62828; ${palette(LIGHT)} }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e6e6; --bg: #16181a; --muted: #999; --box: #1f2225; --line: #333; --accent: #6ea1ff;
  --code: #17191b; --add: #17351f; --del: #3d1b1b; --ok: #5cc97a; --err: #ff7a7a; ${palette(DARK)} } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 0.75rem 1rem; }
h1 { font-size: 1.2rem; margin: 0.25rem 0; overflow-wrap: anywhere; }
.muted { color: var(--muted); font-size: 0.85rem; }
.state { display: inline-block; padding: 0 0.5rem; border-radius: 1rem; border: 1px solid var(--line); font-size: 0.85rem; }
.state.running, .state.starting { border-color: #2e9d4f; color: #2e9d4f; }
.state.failed { border-color: #d33; color: #d33; }
pre#oldest { white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 0.25rem 0; }
#out { background: var(--box); border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.75rem; min-height: 12rem; min-width: 0; overflow-wrap: anywhere; }
#out pre, #out code, #out summary, #out .turn, #out .note { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
#out pre { margin: 0.35rem 0; white-space: pre-wrap; overflow-wrap: anywhere; }
#out pre.term { margin: 0; }
#out pre.code, #out pre.diff { white-space: pre; overflow-wrap: normal; overflow-x: auto; background: var(--code); border-radius: 4px; padding: 0.5rem; }
#out pre.diff { padding: 0.25rem 0; } #out .rows { display: inline-block; min-width: 100%; }
#out .rows > span { display: block; padding: 0 0.5rem; } #out .add { background: var(--add); } #out .del { background: var(--del); }
#out :not(pre) > code { background: var(--code); border-radius: 3px; padding: 0 0.2em; }
#out .md > :first-child { margin-top: 0.35rem; } #out .md > :last-child { margin-bottom: 0.35rem; }
#out h1, #out h2, #out h3, #out h4, #out h5, #out h6 { font-size: 1.05rem; margin: 0.6rem 0 0.3rem; }
#out ul, #out ol { padding-left: 1.4rem; } #out blockquote { margin: 0.5rem 0; padding: 0.2rem 0.75rem; border-left: 3px solid var(--line); color: var(--muted); }
#out blockquote.prompt { white-space: pre-wrap; color: var(--fg); border-left-color: var(--accent); }
#out .table { overflow-x: auto; } #out th, #out td { border: 1px solid var(--line); padding: 0.2rem 0.5rem; }
#out a { color: var(--accent); }
#out .tool { margin: 0.15rem 0; } #out summary { min-height: 44px; padding: 0.6rem 0 0.6rem 1.2rem; cursor: pointer; list-style: none; position: relative; }
#out summary::-webkit-details-marker { display: none; } #out summary::before { content: "▸"; position: absolute; left: 0.2rem; color: var(--muted); }
#out details[open] > summary::before { content: "▾"; }
#out .ok { color: var(--ok); } #out .error { color: var(--err); } #out .arrow { color: var(--muted); }
#out pre.result { max-height: 24rem; overflow-y: auto; background: var(--code); border-radius: 4px; padding: 0.5rem; }
#out .pending { color: var(--muted); }
#out .turn, #out .note { color: var(--muted); margin: 0.35rem 0; } #out .turn { border-top: 1px solid var(--line); padding-top: 0.25rem; }
#out .turn.error { color: var(--err); } #out pre.request { border-left: 3px solid var(--accent); padding-left: 0.5rem; }
${terminalColours()}
#earlier { margin-bottom: 0.5rem; }
#new-output { position: fixed; right: 1rem; bottom: 1rem; z-index: 1; box-shadow: 0 2px 8px rgba(0, 0, 0, 0.3); }
form { display: flex; gap: 0.5rem; align-items: flex-end; }
textarea { flex: 1; min-height: 3rem; font: inherit; padding: 0.5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--box); color: var(--fg); }
body { overflow-anchor: none; }
button { font: inherit; min-height: 44px; min-width: 44px; padding: 0.45rem 1rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.plain { background: transparent; color: var(--accent); }
button:disabled { opacity: 0.5; cursor: default; }
button.option { margin: 0.15rem 0; } button[aria-pressed="true"] { background: var(--accent); color: #fff; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0.5rem 0; min-width: 0; } legend { overflow-wrap: anywhere; }
fieldset input, select { font: inherit; min-height: 44px; padding: 0.35rem; border: 1px solid var(--line); border-radius: 6px; background: var(--box); color: var(--fg); max-width: 100%; }
fieldset input { display: block; width: 100%; box-sizing: border-box; margin-top: 0.35rem; }
#reason-label, #mode-label { display: inline-block; margin: 0.35rem 0.5rem 0.35rem 0; max-width: 100%; }
#reason { font: inherit; min-height: 44px; padding: 0.35rem; border: 1px solid var(--line); border-radius: 6px; background: var(--box); color: var(--fg); width: 20rem; max-width: 100%; }
ul#sessions { padding-left: 1.2rem; } ul#sessions li { margin: 0.35rem 0; overflow-wrap: anywhere; }
ul#sessions a { display: inline-block; min-height: 44px; padding: 0.6rem 0; }
table { border-collapse: collapse; } td { padding: 0.2rem 1rem 0.2rem 0; }
h2 { font-size: 1.05rem; margin: 1rem 0 0.25rem; }
#device ul#sessions { list-style: none; padding: 0; margin: 0.5rem 0; }
#device ul#sessions li { margin: 0 0 0.5rem; padding: 0.25rem 0.75rem 0.5rem; background: var(--box); border: 1px solid var(--line); border-radius: 6px; }
#device ul#sessions li.waiting { border: 2px solid var(--accent); }
#device ul#sessions a { display: block; font-weight: 600; color: var(--accent); }
.meta { display: flex; flex-wrap: wrap; gap: 0.25rem 0.5rem; align-items: center; }
.mark { display: inline-block; padding: 0 0.5rem; border-radius: 1rem; background: var(--accent); color: #fff; font-size: 0.85rem; font-weight: 600; }
details#start { margin: 1rem 0; border: 1px solid var(--line); border-radius: 6px; background: var(--box); padding: 0 0.75rem; }
details#start > summary { min-height: 44px; padding: 0.6rem 0; cursor: pointer; font-weight: 600; }
#start-form { display: block; } #start-form label { display: block; } #start-form select, #start-form input:not([type]) { display: block; width: 100%; margin-top: 0.25rem; }
#start-form input:not([type]) { font: inherit; min-height: 44px; padding: 0.35rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
label.check { display: flex !important; align-items: center; gap: 0.5rem; min-height: 44px; } label.check input { width: 1.4rem; height: 1.4rem; margin: 0; }
.path, #dirs, #start-result, #notify-state { overflow-wrap: anywhere; }
ul#dirs { list-style: none; padding: 0; margin: 0.25rem 0; } ul#dirs button { width: 100%; text-align: left; margin: 0.15rem 0; overflow-wrap: anywhere; }
p.row { display: flex; flex-wrap: wrap; gap: 0.5rem; }
#start-result a { color: var(--accent); font-weight: 600; display: inline-block; min-height: 44px; padding: 0.6rem 0; }
.app-only { display: none; } @media (display-mode: standalone) { .app-only { display: block; } }
[hidden] { display: none !important; }
`;

/** A complete page. Its only script and style are inline, allowed by a per-response nonce; nothing is fetched. */
export function renderPage(opts: { title: string; body: string; script?: string }): { html: string; headers: Record<string, string> } {
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    "default-src 'none'", `style-src 'nonce-${nonce}'`, opts.script ? `script-src 'nonce-${nonce}'` : "script-src 'none'",
    "connect-src 'self'", "img-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    // The web app's manifest and service worker, from the relay itself (src/relay/pages/app-files.ts).
    "manifest-src 'self'", "worker-src 'self'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="theme-color" content="#2a6ed8">
<link rel="manifest" href="/manifest.webmanifest">
<title>${escapeHtml(opts.title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
${opts.body}
${opts.script ? `<script nonce="${nonce}">${opts.script}</script>` : ''}
</body>
</html>
`;
  return { html, headers: { 'content-security-policy': csp } };
}
