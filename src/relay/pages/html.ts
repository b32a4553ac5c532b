// Shared pieces of the relay's HTML pages: escaping, the page frame with its inline style, the
// Content-Security-Policy that allows only this page's own inline script and style.
import { randomBytes } from 'node:crypto';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside an element or a quoted attribute. Everything from outside the relay goes through this. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

const STYLE = `
:root { color-scheme: light dark; --fg: #1d1f21; --bg: #fafafa; --muted: #666; --box: #fff; --line: #ddd; --accent: #2a6ed8; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e6e6; --bg: #16181a; --muted: #999; --box: #1f2225; --line: #333; --accent: #6ea1ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 0.75rem 1rem; }
h1 { font-size: 1.2rem; margin: 0.25rem 0; overflow-wrap: anywhere; }
.muted { color: var(--muted); font-size: 0.85rem; }
.state { display: inline-block; padding: 0 0.5rem; border-radius: 1rem; border: 1px solid var(--line); font-size: 0.85rem; }
.state.running, .state.starting { border-color: #2e9d4f; color: #2e9d4f; }
.state.failed { border-color: #d33; color: #d33; }
pre#oldest { white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 0.25rem 0; }
pre#out { background: var(--box); border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem; min-height: 12rem;
  white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
form { display: flex; gap: 0.5rem; align-items: flex-end; }
textarea { flex: 1; min-height: 3rem; font: inherit; padding: 0.5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--box); color: var(--fg); }
button { font: inherit; padding: 0.45rem 1rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.plain { background: transparent; color: var(--accent); }
button:disabled { opacity: 0.5; cursor: default; }
button.option { margin: 0.15rem 0; } button[aria-pressed="true"] { background: var(--accent); color: #fff; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0.5rem 0; min-width: 0; } legend { overflow-wrap: anywhere; }
fieldset input, select { font: inherit; padding: 0.35rem; border: 1px solid var(--line); border-radius: 6px; background: var(--box); color: var(--fg); max-width: 100%; }
fieldset input { display: block; width: 100%; box-sizing: border-box; margin-top: 0.35rem; }
ul#sessions { padding-left: 1.2rem; } ul#sessions li { margin: 0.35rem 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; } td { padding: 0.2rem 1rem 0.2rem 0; }
[hidden] { display: none !important; }
`;

/** A complete page. Its only script and style are inline, allowed by a per-response nonce; nothing is fetched. */
export function renderPage(opts: { title: string; body: string; script?: string }): { html: string; headers: Record<string, string> } {
  const nonce = randomBytes(16).toString('base64');
  const csp = [
    "default-src 'none'", `style-src 'nonce-${nonce}'`, opts.script ? `script-src 'nonce-${nonce}'` : "script-src 'none'",
    "connect-src 'self'", "img-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
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
