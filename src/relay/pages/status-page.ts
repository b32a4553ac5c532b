// `GET /`: what this relay is and how busy it is. Counts only: no session names, ids, hashes or addresses.
import { VERSION } from '../../common/version.js';
import { RELAY_PROTOCOL_VERSION } from '../../protocol/relay.js';
import { escapeHtml, renderPage } from './html.js';

export interface RelayCounts {
  daemons: number;
  daemonsOnline: number;
  sessions: number;
  events: number;
  pending: number;
  held: number;
}

export function statusPage(counts: RelayCounts, startedAt: Date): { html: string; headers: Record<string, string> } {
  const rows: [string, number | string][] = [
    ['daemons registered', counts.daemons],
    ['daemons online', counts.daemonsOnline],
    ['sessions', counts.sessions],
    ['events stored', counts.events],
    ['instructions waiting for a daemon', counts.pending],
    ['long-polls held now', counts.held],
    ['up since', startedAt.toISOString()],
  ];
  const body = `<header>
<h1>rcd relay</h1>
<div class="muted">version ${escapeHtml(VERSION)}, protocol ${RELAY_PROTOCOL_VERSION}</div>
</header>
<main>
<p class="app-only"><strong>This is the rcd app.</strong> It opens a session from its notification. To see a device's
sessions here, open its device URL (it carries the key after #, which an installed app cannot keep) from the link its
owner gave you.</p>
<p>This relay passes output and prompts between <code>rcd</code> daemons and the people following their sessions.
A session is opened with its own URL (<code>/s/&lt;token&gt;</code>), which its owner gets from <code>rcd url SESSION</code>.</p>
<table>
${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(String(v))}</td></tr>`).join('\n')}
</table>
</main>`;
  return renderPage({ title: 'rcd relay', body });
}

/** A page for a URL that opens nothing (unknown, rotated, revoked, expired). */
export function errorPage(title: string, message: string): { html: string; headers: Record<string, string> } {
  return renderPage({
    title: `rcd — ${title}`,
    body: `<header><h1>${escapeHtml(title)}</h1></header>\n<main><p>${escapeHtml(message)}</p></main>`,
  });
}
