// `GET /s/:token`: one session for a browser. The recent output is rendered on the server as escaped text (agent
// output is untrusted), then the inline script (src/web, bundled) follows new output through the events long-poll
// and sends prompts. The token is read from the page's own address, never written into the page.
import type { RelayEvent, RemoteSession } from '../../protocol/relay.js';
import { ClaudeRenderer } from '../../agents/claude/render.js';
import { cleanText, escapeHtml, outputText, renderPage } from './html.js';
import { loadSessionScript } from './session-script.js';

export function sessionPage(
  session: RemoteSession,
  recent: readonly RelayEvent[],
  cursor: { after: number; pruned: boolean },
): { html: string; headers: Record<string, string> } {
  const name = escapeHtml(session.name);
  const state = escapeHtml(session.state);
  const claude = session.agent === 'claude';
  const body = `<header>
<h1>${name}</h1>
<div class="muted"><span id="state" class="state ${state}">${state}</span> · ${escapeHtml(session.agent)} agent · session ${escapeHtml(session.id)}</div>
</header>
<main id="session" data-after="${cursor.after}" data-pending="${session.pendingApprovals}" data-agent="${claude ? 'claude' : 'generic'}">
${cursor.pruned ? '<p class="muted">Earlier output is not shown (older than what this page loads, or pruned by the relay).</p>' : ''}
<pre id="out">${escapeHtml(claude ? claudeText(recent) : outputText(recent))}</pre>
<p id="note" class="muted" role="status"></p>
<div id="approval" hidden><p><span id="pending"></span> tool call(s) wait for approval; the oldest, in full:</p>
<pre id="oldest"></pre>
<p><button type="button" id="approve">Approve</button> <button type="button" id="deny" class="plain">Deny</button></p></div>
<form id="send">
<textarea id="text" name="text" placeholder="Send a prompt to the agent" required></textarea>
<button type="submit" id="submit">Send</button>
</form>
<noscript><p class="muted">Following new output and sending prompts need JavaScript.</p></noscript>
</main>
<footer class="muted">rcd relay · this URL is the only key to this session: share it only with people who may steer it.</footer>`;
  return renderPage({ title: `${session.name} — rcd`, body, script: loadSessionScript() });
}

/** A claude session's stream-json output rendered the way `rcd logs` shows it. */
function claudeText(events: readonly RelayEvent[]): string {
  const renderer = new ClaudeRenderer('SESSION');
  let text = '';
  for (const e of events) if (e.kind === 'output') text += renderer.push(Buffer.from(e.data, 'base64'));
  return cleanText(text + renderer.end());
}
