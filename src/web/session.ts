// The session page's script, bundled by `npm run build` (esbuild, one minified IIFE) into dist/src/web/session.js
// and inlined by the relay with the page's CSP nonce (src/relay/pages/session-script.ts). It follows new output,
// keeps the state and pending approvals current, and sends prompts and approval answers. No dependency, no
// network but the relay's own origin, and agent output only ever becomes text nodes.
import { refresh, setPending, wireApprovals } from './approvals.js';
import { follow } from './follow.js';
import { findPage, newSession } from './page.js';
import { wirePromptBox } from './send.js';

const s = newSession(findPage());
wirePromptBox(s);
wireApprovals(s);
setPending(s, Number(s.page.main.dataset.pending) || 0);
void refresh(s); // the pending approvals' details: the server-rendered page carries only their count
window.scrollTo(0, document.body.scrollHeight);
void follow(s);
