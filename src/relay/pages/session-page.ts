// `GET /s/:id` (and `/d/:daemon`, `/d/:daemon/s/:id` for a device URL): the session page's shell. It holds nothing of the session: the key is in the page's address after
// `#`, which the browser never sends, so the relay could not render the session if it wanted to. The inline script
// (src/web, bundled) derives the URL's credential from that key, loads the session and follows its output.
import { renderPage } from './html.js';
import { loadSessionScript } from './session-script.js';

export function sessionShell(): { html: string; headers: Record<string, string> } {
  const body = `<header>
<h1 id="name">rcd session</h1>
<div class="muted"><span id="state" class="state">loading</span> · <span id="agent"></span> · <span id="scope"></span></div>
</header>
<main id="session">
<ul id="sessions" hidden></ul>
<button type="button" id="earlier" class="plain" hidden>Load earlier output</button>
<div id="out"></div>
<button type="button" id="new-output" hidden>New output ↓</button>
<p id="note" class="muted" role="status"></p>
<div id="approval" hidden><p><span id="pending"></span> request(s) wait for you; the oldest, in full:</p>
<pre id="oldest"></pre>
<div id="questions"></div>
<p id="decide"><button type="button" id="approve" disabled>Approve</button> <button type="button" id="deny" class="plain" disabled>Deny</button>
<span id="plan" hidden><label>mode <select id="accept-mode"><option value="acceptEdits">acceptEdits</option><option value="default">default</option><option value="bypassPermissions">bypassPermissions</option></select></label> <button type="button" id="accept-with-mode">Accept with mode</button></span></p></div>
<p id="controls"><button type="button" id="interrupt" class="plain">Interrupt</button> <button type="button" id="stop" class="plain">Stop</button> <button type="button" id="restart" class="plain">Restart</button></p>
<form id="send">
<textarea id="text" name="text" placeholder="Send a prompt to the agent" aria-label="Prompt" required></textarea>
<button type="submit" id="submit" disabled>Send</button>
</form>
<noscript><p class="muted">This page needs JavaScript: it reads the session with the key in its address.</p></noscript>
</main>
<footer class="muted">rcd relay · the key to this session is the part of this page's address after #, which your browser never sends to the relay. Share the address only with people who may see (or, for a control URL, steer) this session.</footer>`;
  return renderPage({ title: 'rcd session', body, script: loadSessionScript() });
}
