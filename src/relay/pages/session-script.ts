// The session page's inline script (plain browser JS, no dependencies): follows new output through
// GET /api/s/<token>/events long-polls, keeps state and pending approvals current, and sends prompts and
// approval answers with a random idempotency key that a retry reuses. Output is only ever added as text nodes.
// A claude session's stream-json lines are rendered as src/agents/claude/render.ts renders them (a subset).
export const SESSION_SCRIPT = String.raw`
(function () {
  'use strict';
  var main = document.getElementById('session');
  var out = document.getElementById('out');
  var note = document.getElementById('note');
  var stateEl = document.getElementById('state');
  var form = document.getElementById('send');
  var input = document.getElementById('text');
  var submit = document.getElementById('submit');
  var approval = document.getElementById('approval');
  var pendingEl = document.getElementById('pending');
  var oldestEl = document.getElementById('oldest');
  var approveBtn = document.getElementById('approve');
  var denyBtn = document.getElementById('deny');
  var oldest = null; // the pending approval the buttons answer: the oldest, as the relay last reported
  var token = location.pathname.split('/').pop();
  var api = new URL('../api/s/' + token, location.href).href;
  var after = Number(main.dataset.after) || 0;
  var decoder = new TextDecoder();
  var MAX_CHARS = 2000000;
  var chars = out.textContent.length; // kept as text is added and dropped: never measured again
  var LIVE = ['starting', 'running', 'restarting', 'stopping'];
  var noise = /\x1b\[[0-?]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
  var ended = false;
  var viewSeen = ''; // the fingerprint of the session view last applied: the relay answers at once when it changes
  var claude = main.dataset.agent === 'claude';
  var carry = '';

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function show(text) { note.textContent = text; }
  // Characters that reorder or hide text (bidi overrides, zero-width marks) and C1 controls are shown, not obeyed:
  // otherwise a request could read differently from what runs, as in src/common/terminal.ts.
  var hidden = /[\x80-\x9f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
  function visible(s) { return s.replace(hidden, function (c) { return '<U+' + ('000' + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4) + '>'; }); }
  function clean(s) { return visible(s.replace(/\r\n?/g, '\n').replace(noise, '')); }
  function key() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }
  function bytes(b64) {
    var s = atob(b64), a = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
    return a;
  }
  function clip(s, n) { s = String(s).replace(/\s+/g, ' ').trim(); return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }
  function summary(tool, input) {
    input = input || {};
    var keys = ['command', 'file_path', 'path', 'pattern', 'url', 'description'];
    for (var i = 0; i < keys.length; i++) if (typeof input[keys[i]] === 'string') return clip(input[keys[i]], 240);
    var json = JSON.stringify(input);
    return clip(json === '{}' ? tool : json, 240);
  }
  // A request being decided on, whole (as requestText in src/agents/claude/render.ts): never clipped.
  function whole(tool, input) {
    if (!input || typeof input !== 'object' || Array.isArray(input)) return tool + ': ' + JSON.stringify(input);
    var keys = ['command', 'file_path', 'path', 'pattern', 'url', 'description'], main = null;
    for (var i = 0; i < keys.length && main === null; i++) if (typeof input[keys[i]] === 'string') main = keys[i];
    var val = function (v) { return (typeof v === 'string' ? v : JSON.stringify(v)).replace(/\n/g, '\n    '); };
    var lines = [main === null ? tool : tool + ': ' + val(input[main])];
    Object.keys(input).forEach(function (k) { if (k !== main) lines.push('  ' + k + ': ' + val(input[k])); });
    return lines.join('\n');
  }
  function resultText(c) {
    if (typeof c === 'string') return c;
    if (Array.isArray(c)) return c.map(function (b) { return b && b.type === 'text' ? b.text || '' : '[' + (b && b.type) + ']'; }).join('\n');
    return '';
  }
  function block(b) {
    if (!b || typeof b !== 'object') return null;
    if (b.type === 'text') return String(b.text || '').trim() ? String(b.text).replace(/\s+$/, '') : null;
    if (b.type === 'tool_use') return '\u2192 ' + b.name + ': ' + summary(b.name, b.input);
    if (b.type === 'tool_result') {
      var t = resultText(b.content).trim();
      var lines = t.split('\n');
      var shown = lines.slice(0, 12).map(function (l) { return '    ' + l; });
      if (lines.length > 12) shown.push('    \u2026 ' + (lines.length - 12) + ' more lines');
      return (b.is_error ? '\u2717 tool error' : '\u2190 tool result') + (t ? '\n' + shown.join('\n') : ' (no output)');
    }
    if (b.type === 'thinking' || b.type === 'redacted_thinking') return null;
    return '[' + b.type + ']';
  }
  function quote(t) { return String(t).replace(/\s+$/, '').split('\n').map(function (l) { return '> ' + l; }).join('\n'); }
  function blocks(list) { return list.map(block).filter(function (x) { return x !== null; }).join('\n') || null; }
  function claudeLine(raw) {
    var v;
    try { v = JSON.parse(raw); } catch (e) { return raw; }
    if (!v || typeof v !== 'object') return raw;
    var m = v.message || {};
    if (v.type === 'system') return v.subtype === 'init' ? '\u2500\u2500 claude ' + [v.model, v.permissionMode && 'permissions: ' + v.permissionMode].filter(Boolean).join(' \u00b7 ') : '[system: ' + v.subtype + ']';
    if (v.type === 'assistant' && Array.isArray(m.content)) return blocks(m.content);
    if (v.type === 'user') return typeof m.content === 'string' ? quote(m.content) : Array.isArray(m.content) ? blocks(m.content) : null;
    if (v.type === 'result') {
      var parts = [v.subtype === 'success' && !v.is_error ? 'turn done' : 'turn ended: ' + v.subtype];
      if (typeof v.total_cost_usd === 'number') parts.push('$' + v.total_cost_usd.toFixed(4));
      if (v.permission_denials && v.permission_denials.length) parts.push(v.permission_denials.length + ' denied');
      return '\u2500\u2500 ' + parts.join(' \u00b7 ');
    }
    if (v.type === 'control_request' && v.request && v.request.subtype === 'can_use_tool') {
      return '? ' + whole(v.request.tool_name, v.request.input) + '\n  waiting for approval ' + String(v.request_id).slice(0, 8);
    }
    if (v.type === 'control_cancel_request') return '? approval ' + String(v.request_id).slice(0, 8) + ' withdrawn by the agent';
    if (v.type === 'control_response') return null;
    return raw;
  }
  function render(text) {
    if (!claude) return text;
    text = carry + text;
    var end = text.lastIndexOf('\n');
    if (end === -1) { carry = text; return ''; }
    carry = text.slice(end + 1);
    return text.slice(0, end).split('\n').filter(function (l) { return l.trim(); }).map(claudeLine)
      .filter(function (x) { return x !== null; }).map(function (x) { return x + '\n'; }).join('');
  }
  // Called once per answer, not per event: reading the page's length or layout per event froze the tab on a burst.
  function append(text) {
    if (!text) return;
    var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    out.appendChild(document.createTextNode(text));
    chars += text.length;
    while (chars > MAX_CHARS && out.firstChild && out.firstChild !== out.lastChild) {
      chars -= (out.firstChild.textContent || '').length;
      out.removeChild(out.firstChild);
    }
    if (atBottom) window.scrollTo(0, document.body.scrollHeight);
  }
  function setState(state) {
    stateEl.textContent = state;
    stateEl.className = 'state ' + state;
  }
  function setPending(n, list) {
    pendingEl.textContent = String(n);
    approval.hidden = !(n > 0);
    oldest = list && list.length > 0 ? list[0] : null;
    oldestEl.textContent = oldest ? clean(oldest.summary) : '';
    // The buttons answer the request shown next to them, by id: none until one is shown.
    approveBtn.disabled = denyBtn.disabled = !oldest;
  }
  function errorText(res, body) {
    return (body && body.error && body.error.message) || ('the relay answered ' + res.status);
  }
  function closed(message) {
    ended = true;
    show(message);
    submit.disabled = true;
    approval.hidden = true;
  }
  async function call(path, init) {
    var res = await fetch(api + path, Object.assign({ cache: 'no-store' }, init || {}));
    var body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    return { res: res, body: body };
  }
  function applyView(session, tag) {
    setState(session.state);
    setPending(session.pendingApprovals, session.approvals);
    viewSeen = tag;
  }
  async function refresh() {
    try {
      var r = await call('');
      if (r.res.ok) applyView(r.body.session, r.body.view);
    } catch (e) { /* the events poll reports connection trouble */ }
  }
  async function follow() {
    var delay = 1000;
    while (!ended) {
      var r;
      try {
        r = await call('/events?after=' + after + '&wait=25000' + (viewSeen ? '&view=' + viewSeen : ''));
      } catch (e) {
        show('Connection lost; retrying.');
        await sleep(delay);
        delay = Math.min(delay * 2, 30000);
        continue;
      }
      if (r.res.ok && !(r.body && Array.isArray(r.body.events))) {
        // A 200 that is not the relay's answer (a captive portal, a proxy's page): not fatal, keep trying.
        show('The relay\'s answer was not understood; retrying.'); await sleep(delay); delay = Math.min(delay * 2, 30000); continue;
      }
      if (!r.res.ok) {
        if (r.res.status >= 500) { show(errorText(r.res, r.body) + '; retrying.'); await sleep(delay); delay = Math.min(delay * 2, 30000); continue; }
        closed(errorText(r.res, r.body));
        return;
      }
      delay = 1000;
      if (note.textContent.indexOf('retrying') !== -1) show('');
      var events = r.body.events;
      var text = r.body.gap && events.length > 0 ? '\n[earlier output was pruned by the relay]\n' : '';
      for (var i = 0; i < events.length; i++) {
        var e = events[i];
        if (e.kind === 'output') text += clean(render(decoder.decode(bytes(e.data), { stream: true })));
        else {
          try {
            var d = JSON.parse(e.data);
            if (d && d.instruction && d.instruction.error) show('Your ' + d.instruction.kind + ' was not carried out: ' + d.instruction.error + '.');
          } catch (err) { /* not JSON: nothing to say */ }
        }
        after = e.seq;
      }
      append(text);
      applyView(r.body.session, r.body.view);
      if (!r.body.more) {
        var s = stateEl.textContent;
        closed(LIVE.indexOf(s) === -1 ? 'The session has ended (' + s + ').' : 'Stopped following.');
        return;
      }
    }
  }
  async function send(path, payload, done) {
    payload.idempotencyKey = key();
    for (var attempt = 1; attempt <= 5; attempt++) {
      try {
        var r = await call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
        if (r.res.ok) { done(); return; }
        if (r.res.status < 500) { show(errorText(r.res, r.body)); return; }
      } catch (e) { /* retried below with the same key, so it runs once */ }
      show('Sending failed; retrying.');
      await sleep(1000 * attempt);
    }
    show('Could not reach the relay; try again.');
  }
  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var text = input.value;
    if (!text.trim() || ended) return;
    submit.disabled = true;
    await send('/prompt', { text: text }, function () { input.value = ''; show('Sent.'); });
    submit.disabled = ended;
  });
  approveBtn.addEventListener('click', function () {
    if (oldest) send('/approve', { request: oldest.id }, function () { show('Approved.'); refresh(); });
  });
  denyBtn.addEventListener('click', function () {
    if (oldest) send('/deny', { request: oldest.id }, function () { show('Denied.'); refresh(); });
  });
  setPending(Number(main.dataset.pending) || 0);
  refresh(); // the pending approvals' details
  window.scrollTo(0, document.body.scrollHeight);
  follow();
})();
`;
