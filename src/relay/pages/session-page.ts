// `GET /s/:id` (and `/d/:daemon/s/:id` under a device URL): the session page's shell; `/d/:daemon`: the device page's. It holds nothing of the session: the key is in the page's address after
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
<p id="decide"><button type="button" id="approve" disabled>Approve</button> <button type="button" id="always" class="plain" disabled>Always</button> <button type="button" id="deny" class="plain" disabled>Deny</button>
<label id="reason-label">Reason <input id="reason" type="text" maxlength="4096" placeholder="optional: tell the agent why"></label>
<span id="plan" hidden><label>mode <select id="accept-mode"><option value="acceptEdits">acceptEdits</option><option value="default">default</option><option value="bypassPermissions">bypassPermissions</option></select></label> <button type="button" id="accept-with-mode">Accept with mode</button></span></p></div>
<p id="controls"><label id="mode-label">Permission mode <select id="mode"><option value="default">default</option><option value="acceptEdits">acceptEdits</option><option value="plan">plan</option><option value="bypassPermissions">bypassPermissions</option></select></label> <button type="button" id="switch-mode" class="plain">Switch</button>
<button type="button" id="interrupt" class="plain">Interrupt</button> <button type="button" id="stop" class="plain">Stop</button> <button type="button" id="restart" class="plain">Restart</button></p>
<form id="send">
<textarea id="text" name="text" placeholder="Send a prompt to the agent" aria-label="Prompt" required></textarea>
<button type="submit" id="submit" disabled>Send</button>
</form>
<noscript><p class="muted">This page needs JavaScript: it reads the session with the key in its address.</p></noscript>
</main>
<footer class="muted">rcd relay · the key to this session is the part of this page's address after #, which your browser never sends to the relay. Share the address only with people who may see (or, for a control URL, steer) this session.</footer>`;
  return renderPage({ title: 'rcd session', body, script: loadSessionScript() });
}

/**
 * `GET /d/:daemon`: a device URL's page, the same script as a session's (it reads the URL and shows the device):
 * every session of the daemon, live; with a control URL, the start form and notifications too (src/web/device.ts).
 */
export function deviceShell(): { html: string; headers: Record<string, string> } {
  const body = `<header>
<h1 id="name">rcd device</h1>
<div class="muted"><span id="state" class="state">loading</span> · <span id="scope"></span> · <span id="checked"></span></div>
</header>
<main id="device">
<p id="note" class="muted" role="status"></p>
<ul id="sessions" aria-label="Sessions"></ul>
<details id="start" hidden><summary>Start a session</summary>
<form id="start-form" novalidate>
<fieldset><legend>Directory</legend>
<p class="path"><span class="muted">in</span> <strong id="cwd">no directory chosen</strong></p>
<p class="row"><button type="button" id="dir-roots" class="plain" disabled>Allowed directories</button> <button type="button" id="dir-up" class="plain" disabled>Up</button></p>
<ul id="dirs" aria-label="Directories"></ul>
<p id="dirs-note" class="muted" role="status"></p>
</fieldset>
<p><label for="start-agent">Agent</label> <select id="start-agent"><option value="claude">claude</option><option value="generic">generic (a command)</option></select></p>
<p><label for="start-command" id="command-label">Arguments for Claude Code (optional)</label><input id="start-command" autocomplete="off" autocapitalize="off" spellcheck="false"></p>
<p><label for="start-name">Name (optional)</label><input id="start-name" maxlength="64" autocomplete="off" autocapitalize="off" spellcheck="false"></p>
<p><label class="check"><input type="checkbox" id="start-worktree"> In a new git worktree</label></p>
<p><button type="submit" id="start-submit" disabled>Start</button></p>
<p id="start-result" role="status"></p>
</form>
</details>
<section id="notify" hidden aria-labelledby="notify-title">
<h2 id="notify-title">Notifications</h2>
<p id="notify-state" class="muted" role="status"></p>
<p class="row"><button type="button" id="notify-on" disabled>Notify me</button> <button type="button" id="notify-off" class="plain" hidden>Stop notifications</button></p>
</section>
<noscript><p class="muted">This page needs JavaScript: it reads the sessions with the key in its address.</p></noscript>
</main>
<footer class="muted">rcd relay · the key to this device is the part of this page's address after #, which your browser never sends to the relay. Share the address only with people who may see (or, for a control URL, steer and start) this machine's sessions.</footer>`;
  return renderPage({ title: 'rcd device', body, script: loadSessionScript() });
}
