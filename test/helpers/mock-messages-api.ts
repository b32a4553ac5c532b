// A mock Anthropic Messages API on 127.0.0.1 for tests that drive the real (or a fake) Claude Code CLI offline.
// Node built-ins only. Any x-api-key is accepted; query strings (`?beta=true`) are ignored.
//
// Endpoints:
//   POST /v1/messages               stream:true -> SSE with the real event sequence (message_start,
//                                   content_block_start, ping, content_block_delta (text_delta /
//                                   input_json_delta), content_block_stop, message_delta (stop_reason +
//                                   usage), message_stop); stream:false -> one JSON message.
//   POST /v1/messages/count_tokens  {"input_tokens": N} (N = request JSON length / 4).
//   HEAD/GET /, /v1, /api/hello     200 (harmless health answers).
//   anything else                   404 {"type":"error","error":{"type":"not_found_error",...}}.
//   CONNECT host:port (as a proxy)  403, logged with the target (nothing is ever forwarded).
//
// The "model" is deterministic and reads only `messages` (and `system`/`max_tokens` to spot side requests):
//   - Side requests (not the main conversation) get the text `ok`: max_tokens <= 1 (quota probe), or a
//     request without tools whose short system prompt asks for a title/topic/summary/command prefix
//     (see isSideRequest). Claude Code 2.1.332 in `-p --input-format stream-json` mode with
//     CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 was seen to send none: only POST /v1/messages?beta=true,
//     stream:true, with tools. Without that variable it also sends HEAD /api/hello to the base URL and
//     tries api.anthropic.com:443 (DNS, or CONNECT through HTTPS_PROXY).
//   - `role: "system"` entries in `messages` (Claude Code 2.1.x puts its environment block there) are skipped.
//   - The trailing user message(s) are read from the end, skipping text blocks that are wrappers the CLI
//     injects (`<system-reminder>`, `<command-...>`, `<local-command-...>`, `Caveat: ...`, `[Request
//     interrupted by user ...]`; Claude Code sends [{text:"<system-reminder>...attribution..."}, {text:"hello"}]).
//     The newest remaining block decides:
//   - a tool_result block -> `tool said: <text>` (trimmed, first 500 chars of the tool_result's text), or
//     `tool failed: <text>` when is_error is true; stop end_turn.
//   - a text block (the user's text):
//       `run: <cmd>`  -> text "running it" + tool_use Bash {command: cmd, description: "run <cmd>"},
//                        id toolu_<random>, stop_reason tool_use.
//       `ask: <Q> = <a> | <b> [&& <Q2> =* <x> | <y>]`
//                     -> text "a question first" + tool_use AskUserQuestion {questions: [{question, header (its
//                        first word, 12 chars at most), options: [{label, description: "the <label> option"}],
//                        multiSelect (true after `=*`)}]}: one question per `&&`-separated part.
//       `plan: <text>` -> text "here is my plan" + tool_use ExitPlanMode {plan: text}; when the request names a plan
//                        file (Claude Code 2.1.332's plan-mode instructions: "create your plan at <path> using the
//                        Write tool"), a tool_use Write {file_path: <path>, content: text} comes first in the same
//                        message, as the real CLI shows ExitPlanMode the plan file's text, not the tool's input.
//       `write: <path> = <content>` or `write: <path> :: <content>`
//                     -> text "writing it" + tool_use Write {file_path: path, content}.
//       `edit: <file> :: <old> => <new>` -> text "editing it" + tool_use Edit {file_path, old_string, new_string}
//                        (old and new may span lines; fake-claude.mjs has no Edit tool and answers it with an error).
//       `recall`      -> `your first message was: <first user text of the conversation>`.
//       `slow: <ms>`  -> message_start at once, then after <ms> the text `slept <ms>` (stream:false waits
//                        before answering); a client disconnect cancels the wait.
//       anything else -> `echo: <text>`.
// `requests` counts every HTTP request served (any path); `calls` records each one briefly, a conversation request
// with the tool_result blocks of its trailing user message(s) (`toolResults`: what Claude Code told the model a tool
// returned, e.g. a question's answers), oldest first.
//
// Run as a script: `node dist/test/helpers/mock-messages-api.js [--port 8790] [--host 127.0.0.1]
// [--log requests.jsonl]` prints `mock Messages API on http://127.0.0.1:PORT` and serves until SIGTERM/SIGINT.
// --log appends every request (method, url, headers without the key, body) as one JSON line.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';

export interface MockCall {
  method: string;
  path: string;
  /** 'conversation' | 'side' for /v1/messages, otherwise the endpoint kind. */
  kind: string;
  stream?: boolean;
  model?: string;
  /** The reply text or tool command the mock chose, for /v1/messages. */
  reply?: string;
  /** For /v1/messages: the tool_result blocks of the trailing user message(s), oldest first (text: first 4000 chars). */
  toolResults?: MockToolResult[];
}

export interface MockToolResult {
  toolUseId: string;
  text: string;
  isError: boolean;
}

export interface MockMessagesApi {
  url: string;
  port: number;
  requests: number;
  calls: MockCall[];
  close(): Promise<void>;
}

export interface MockMessagesApiOptions {
  port?: number;
  host?: string;
  /** Append each request as a JSON line to this file (for protocol discovery). */
  logFile?: string;
}

type Block = { type?: string; text?: unknown; content?: unknown; is_error?: unknown; [k: string]: unknown };
type Msg = { role?: string; content?: unknown };
type Body = { model?: unknown; messages?: unknown; system?: unknown; max_tokens?: unknown; stream?: unknown; tools?: unknown };

type Reply =
  | { kind: 'text'; text: string; delayMs?: number }
  | { kind: 'tool'; preface: string; name: string; input: Record<string, unknown>; before?: { name: string; input: Record<string, unknown> } };

const WRAPPER = /^\s*<(system-reminder|command-[a-z-]+|local-command-[a-z-]+|user-prompt-submit-hook|bash-[a-z-]+)>/;
const MAX_BODY = 32 * 1024 * 1024;

const rid = (prefix: string, n = 12): string => prefix + randomBytes(n).toString('hex');

function blocksOf(content: unknown): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (Array.isArray(content)) return content.filter((b): b is Block => typeof b === 'object' && b !== null);
  return [];
}

function isWrapper(text: string): boolean {
  return WRAPPER.test(text) || text.startsWith('Caveat: The messages below were generated') || text.startsWith('[Request interrupted by user');
}

/** The user's own text in a message: the last text block that is not a CLI-injected wrapper. */
function userText(m: Msg): string | undefined {
  const texts = blocksOf(m.content)
    .filter((b) => b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .filter((t) => !isWrapper(t));
  return texts.at(-1);
}

function toolResultText(b: Block): string {
  if (typeof b.content === 'string') return b.content;
  return blocksOf(b.content)
    .filter((x) => x.type === 'text' && typeof x.text === 'string')
    .map((x) => x.text as string)
    .join('\n');
}

function systemText(system: unknown): string {
  if (typeof system === 'string') return system;
  return blocksOf(system)
    .map((b) => (typeof b.text === 'string' ? b.text : ''))
    .join('\n');
}

/**
 * Requests the CLI may make besides the conversation itself (quota probe, title/topic, command prefix ...).
 * The main loop always sends tools and a long system prompt (which itself mentions "summary" and "Title"),
 * so only a tool-less request with a short system prompt is matched on words.
 */
export function isSideRequest(body: Body): boolean {
  if (typeof body.max_tokens === 'number' && body.max_tokens <= 1) return true;
  const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
  if (hasTools) return false;
  const sys = systemText(body.system);
  return sys.length < 3000 && /title|topic|summar|command prefix|policy_spec|Generate a concise|quota/i.test(sys);
}

export function decide(body: Body): Reply {
  if (isSideRequest(body)) return { kind: 'text', text: 'ok' };
  // The CLI also puts `role: "system"` entries (environment, deferred tools ...) into `messages`: skip them.
  const messages = (Array.isArray(body.messages) ? body.messages : []).filter(
    (m): m is Msg => typeof m === 'object' && m !== null && ((m as Msg).role === 'user' || (m as Msg).role === 'assistant'),
  );
  const last = messages.at(-1);
  if (!last || last.role !== 'user') return { kind: 'text', text: 'ok' };
  // Walk the trailing user message(s) from the end; the newest block that is not a wrapper decides. (After an
  // interrupt the CLI merges tool_result + "[Request interrupted ...]" + the next prompt into ONE user message.)
  let text: string | undefined;
  for (let i = messages.length - 1; i >= 0 && text === undefined; i--) {
    const m = messages[i] as Msg;
    if (m.role !== 'user') break;
    for (const b of blocksOf(m.content).reverse()) {
      if (b.type === 'tool_result') {
        const out = toolResultText(b).trim().slice(0, 500);
        return { kind: 'text', text: `${b.is_error === true ? 'tool failed' : 'tool said'}: ${out}` };
      }
      if (b.type === 'text' && typeof b.text === 'string' && !isWrapper(b.text)) {
        text = b.text.trim();
        break;
      }
    }
  }
  text ??= '';
  const run = /^run:\s*([\s\S]+)$/.exec(text);
  if (run) {
    const command = (run[1] as string).trim();
    return { kind: 'tool', preface: 'running it', name: 'Bash', input: { command, description: `run ${command}` } };
  }
  const ask = /^ask:\s*([\s\S]+)$/.exec(text);
  if (ask) return { kind: 'tool', preface: 'a question first', name: 'AskUserQuestion', input: { questions: (ask[1] as string).split(/\s+&&\s+/).map(questionOf) } };
  const plan = /^plan:\s*([\s\S]+)$/.exec(text);
  if (plan) {
    const input = { plan: (plan[1] as string).trim() };
    // Claude Code 2.1.332 takes the plan from the plan file its plan-mode instructions name, not from this input.
    const file = planFileOf(body);
    const before = file ? { name: 'Write', input: { file_path: file, content: input.plan } } : undefined;
    return { kind: 'tool', preface: 'here is my plan', name: 'ExitPlanMode', input, ...(before ? { before } : {}) };
  }
  const write = /^write:\s*(\S+)\s*(?:=|::)\s?([\s\S]*)$/.exec(text);
  if (write) return { kind: 'tool', preface: 'writing it', name: 'Write', input: { file_path: write[1] as string, content: write[2] as string } };
  const edit = /^edit:\s*(\S+)\s*::\s*([\s\S]*?)\s*=>\s*([\s\S]*)$/.exec(text);
  if (edit) return { kind: 'tool', preface: 'editing it', name: 'Edit', input: { file_path: edit[1], old_string: edit[2], new_string: edit[3] } };
  if (text === 'recall') {
    const first = messages.filter((m) => m.role === 'user').map(userText).find((t) => t !== undefined);
    return { kind: 'text', text: `your first message was: ${(first ?? '').trim()}` };
  }
  const slow = /^slow:\s*(\d+)$/.exec(text);
  if (slow) {
    const ms = Number(slow[1]);
    return { kind: 'text', text: `slept ${ms}`, delayMs: ms };
  }
  return { kind: 'text', text: `echo: ${text}` };
}

/** The plan file Claude Code's plan-mode instructions name (the newest mention in the request), if any. */
export function planFileOf(body: Body): string | undefined {
  const text = JSON.stringify(body.messages ?? '') + JSON.stringify(body.system ?? '');
  const found = [...text.matchAll(/(?:create your plan at|plan file (?:already )?exists at:?) (\/[^\s"\\]+\.md)/g)];
  return found.at(-1)?.[1];
}

/** The tool_result blocks of the trailing user message(s) of a request, oldest first. */
export function trailingToolResults(body: Body): MockToolResult[] {
  const messages = Array.isArray(body.messages) ? (body.messages as Msg[]) : [];
  const found: MockToolResult[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (typeof m !== 'object' || m === null || m.role === 'system') continue;
    if (m.role !== 'user') break;
    const results = blocksOf(m.content).filter((b) => b.type === 'tool_result');
    found.unshift(...results.map((b) => ({ toolUseId: String(b.tool_use_id ?? ''), text: toolResultText(b).slice(0, 4000), isError: b.is_error === true })));
  }
  return found;
}

/** One `Q = a | b` (or `Q =* a | b`, multiSelect) part of an `ask:` prompt. */
function questionOf(part: string): Record<string, unknown> {
  const m = /^([\s\S]*?)\s*=(\*?)\s*([\s\S]*)$/.exec(part);
  const question = (m ? (m[1] as string) : part).trim();
  const options = (m ? (m[3] as string) : '').split('|').map((o) => o.trim()).filter(Boolean).map((label) => ({ label, description: `the ${label} option` }));
  return { question, header: (question.split(/\s+/)[0] ?? '').slice(0, 12), options, multiSelect: m?.[2] === '*' };
}

const tokens = (s: string): number => Math.max(1, Math.ceil(s.length / 4));

function usage(input: number, output: number): Record<string, unknown> {
  return { input_tokens: input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: output, service_tier: 'standard' };
}

function contentOf(reply: Reply, toolId: string): Block[] {
  if (reply.kind === 'text') return [{ type: 'text', text: reply.text }];
  return [
    { type: 'text', text: reply.preface },
    ...(reply.before ? [{ type: 'tool_use', id: rid('toolu_', 11), name: reply.before.name, input: reply.before.input }] : []),
    { type: 'tool_use', id: toolId, name: reply.name, input: reply.input },
  ];
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ type: 'error', error: { type, message }, request_id: rid('req_') });
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': rid('req_') });
  res.end(body);
}

function sendJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json', 'request-id': rid('req_') });
  res.end(JSON.stringify(value));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        fail(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((ok) => {
    if (signal.aborted) return ok();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      ok();
    }
    signal.addEventListener('abort', done, { once: true });
  });

async function serveMessages(req: IncomingMessage, res: ServerResponse, body: Body, call: MockCall): Promise<void> {
  const reply = decide(body);
  const model = typeof body.model === 'string' ? body.model : 'claude-mock';
  const stream = body.stream === true;
  call.kind = isSideRequest(body) ? 'side' : 'conversation';
  call.stream = stream;
  call.model = model;
  call.reply = reply.kind === 'text' ? reply.text : `${reply.name}: ${typeof reply.input.command === 'string' ? reply.input.command : JSON.stringify(reply.input)}`;
  call.toolResults = trailingToolResults(body);
  const inputTokens = tokens(JSON.stringify(body.messages ?? ''));
  const id = rid('msg_mock_');
  const toolId = rid('toolu_', 11);
  const stopReason = reply.kind === 'tool' ? 'tool_use' : 'end_turn';
  const content = contentOf(reply, toolId);
  const outputTokens = tokens(JSON.stringify(content));
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  const delay = reply.kind === 'text' ? (reply.delayMs ?? 0) : 0;

  if (!stream) {
    if (delay > 0) await sleep(delay, gone.signal);
    if (gone.signal.aborted) return;
    sendJson(res, { id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage: usage(inputTokens, outputTokens) });
    return;
  }

  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'request-id': rid('req_') });
  const event = (type: string, data: Record<string, unknown>): void => {
    if (!gone.signal.aborted) res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  event('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: usage(inputTokens, 1) } });
  if (delay > 0) await sleep(delay, gone.signal);
  if (gone.signal.aborted) return;
  content.forEach((block, index) => {
    if (block.type === 'text') {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      if (index === 0) event('ping', {});
      const text = block.text as string;
      const cut = Math.ceil(text.length / 2);
      for (const part of [text.slice(0, cut), text.slice(cut)]) if (part) event('content_block_delta', { index, delta: { type: 'text_delta', text: part } });
    } else {
      event('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      const json = JSON.stringify(block.input);
      const cut = Math.ceil(json.length / 2);
      event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const part of [json.slice(0, cut), json.slice(cut)]) event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } });
    }
    event('content_block_stop', { index });
  });
  event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
  event('message_stop', {});
  res.end();
}

export function startMockMessagesApi(opts: MockMessagesApiOptions = {}): Promise<MockMessagesApi> {
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const calls: MockCall[] = [];
  const log = (entry: Record<string, unknown>): void => {
    if (opts.logFile) appendFileSync(opts.logFile, JSON.stringify({ at: new Date().toISOString(), ...entry }) + '\n');
  };
  const api: MockMessagesApi = { url: '', port: 0, requests: 0, calls, close: () => Promise.resolve() };

  const server = createServer((req, res) => {
    api.requests++;
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const path = rawUrl.startsWith('/') ? (rawUrl.split('?')[0] as string) : rawUrl;
    const call: MockCall = { method, path, kind: 'other' };
    calls.push(call);
    readBody(req).then(
      async (text) => {
        const headers = { ...req.headers };
        delete headers['x-api-key'];
        delete headers.authorization;
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          /* logged as text */
        }
        log({ method, url: rawUrl, headers, body });
        if (!rawUrl.startsWith('/')) {
          call.kind = 'proxied';
          return sendError(res, 403, 'permission_error', `the mock forwards nothing (${rawUrl})`);
        }
        if (method === 'POST' && path === '/v1/messages') {
          if (typeof body !== 'object' || body === null || !Array.isArray((body as Body).messages)) {
            call.kind = 'invalid';
            return sendError(res, 400, 'invalid_request_error', 'messages: Field required');
          }
          return serveMessages(req, res, body as Body, call);
        }
        if (method === 'POST' && path === '/v1/messages/count_tokens') {
          call.kind = 'count_tokens';
          return sendJson(res, { input_tokens: tokens(text) });
        }
        if ((method === 'GET' || method === 'HEAD') && (path === '/' || path === '/v1' || path === '/api/hello')) {
          call.kind = 'health';
          return sendJson(res, { ok: true });
        }
        call.kind = 'not_found';
        sendError(res, 404, 'not_found_error', `Not found: ${method} ${path}`);
      },
      () => sendError(res, 413, 'request_too_large', 'request body too large'),
    ).catch(() => res.destroy());
  });

  // Used as an HTTPS proxy: record where the client tried to go, refuse, forward nothing.
  server.on('connect', (req: IncomingMessage, socket: Socket) => {
    api.requests++;
    calls.push({ method: 'CONNECT', path: req.url ?? '', kind: 'proxied' });
    log({ method: 'CONNECT', url: req.url, headers: req.headers });
    socket.on('error', () => socket.destroy());
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  });
  server.on('connection', (s: Socket) => {
    s.on('error', () => s.destroy()); // a client resetting its connection must not crash the mock
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', fail);
      const addr = server.address();
      api.port = typeof addr === 'object' && addr ? addr.port : 0;
      api.url = `http://${host}:${api.port}`;
      api.close = () =>
        new Promise<void>((done) => {
          server.close(() => done());
          for (const s of sockets) s.destroy();
        });
      ok(api);
    });
  });
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// Entry module only; under `node --test dist/test/` (which loads every file in test/ dirs, with
// NODE_TEST_CONTEXT set and no arguments) it stays a library and exits at once.
const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain && (process.env.NODE_TEST_CONTEXT === undefined || process.argv.length > 2)) {
  const api = await startMockMessagesApi({ port: Number(arg('--port') ?? 0), host: arg('--host') ?? '127.0.0.1', logFile: arg('--log') });
  console.log(`mock Messages API on ${api.url}`);
  const stop = (): void => {
    void api.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
