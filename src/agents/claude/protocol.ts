// Claude Code's headless stream-json protocol (`claude -p --input-format stream-json --output-format stream-json`):
// the lines it prints, parsed with zod, and the lines rcd writes to its stdin. Every schema is loose
// (`passthrough`): Claude Code adds fields with every release, and a field we do not know must never break a session.
// Unknown line types parse as `unknown` and are kept and shown, never fatal. See docs/claude-code.md.
import { z } from 'zod';

const TextBlock = z.object({ type: z.literal('text'), text: z.string() }).passthrough();
const ToolUseBlock = z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }).passthrough();
const ToolResultBlock = z
  .object({
    type: z.literal('tool_result'),
    tool_use_id: z.string(),
    content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough())]).optional(),
    is_error: z.boolean().optional(),
  })
  .passthrough();
const OtherBlock = z.object({ type: z.string() }).passthrough();
export const ContentBlock = z.union([TextBlock, ToolUseBlock, ToolResultBlock, OtherBlock]);
export type ContentBlock = z.infer<typeof ContentBlock>;

export const SystemLine = z
  .object({
    type: z.literal('system'),
    subtype: z.string(),
    session_id: z.string().optional(),
    cwd: z.string().optional(),
    model: z.string().optional(),
    permissionMode: z.string().optional(),
  })
  .passthrough();

export const AssistantLine = z
  .object({
    type: z.literal('assistant'),
    message: z.object({ content: z.array(ContentBlock) }).passthrough(),
    session_id: z.string().optional(),
  })
  .passthrough();

export const UserLine = z
  .object({
    type: z.literal('user'),
    message: z.object({ content: z.union([z.string(), z.array(ContentBlock)]) }).passthrough(),
    session_id: z.string().optional(),
  })
  .passthrough();

export const ResultLine = z
  .object({
    type: z.literal('result'),
    subtype: z.string(),
    is_error: z.boolean().optional(),
    result: z.string().optional(),
    session_id: z.string().optional(),
    num_turns: z.number().optional(),
    duration_ms: z.number().optional(),
    total_cost_usd: z.number().optional(),
    permission_denials: z.array(z.unknown()).optional(),
  })
  .passthrough();

export const CanUseToolRequest = z
  .object({
    subtype: z.literal('can_use_tool'),
    tool_name: z.string(),
    input: z.record(z.unknown()).default({}),
    tool_use_id: z.string().optional(),
    /** Rules Claude Code offers to remember with an allow (`rcd approve --always` sends them back for the session). */
    permission_suggestions: z.array(z.record(z.unknown())).optional(),
  })
  .passthrough();

export const ControlRequestLine = z
  .object({
    type: z.literal('control_request'),
    request_id: z.string().min(1).max(256),
    request: z.object({ subtype: z.string() }).passthrough(),
  })
  .passthrough();

export const ControlCancelLine = z.object({ type: z.literal('control_cancel_request'), request_id: z.string() }).passthrough();

export const ControlResponseLine = z
  .object({
    type: z.literal('control_response'),
    response: z.object({ subtype: z.string(), request_id: z.string(), error: z.string().optional() }).passthrough(),
  })
  .passthrough();

export type ClaudeLine =
  | { kind: 'system'; line: z.infer<typeof SystemLine> }
  | { kind: 'assistant'; line: z.infer<typeof AssistantLine> }
  | { kind: 'user'; line: z.infer<typeof UserLine> }
  | { kind: 'result'; line: z.infer<typeof ResultLine> }
  | { kind: 'permission'; requestId: string; request: z.infer<typeof CanUseToolRequest> }
  | { kind: 'control_request'; line: z.infer<typeof ControlRequestLine> }
  | { kind: 'control_cancel'; requestId: string }
  | { kind: 'control_response'; requestId: string; subtype: string; error?: string }
  /** Valid JSON we do not know (a newer Claude Code): shown as is. */
  | { kind: 'unknown'; value: unknown }
  /** Not JSON at all: stderr text, a crash trace. */
  | { kind: 'text'; text: string };

const BY_TYPE = {
  system: (v: unknown): ClaudeLine | null => wrap(SystemLine.safeParse(v), (line) => ({ kind: 'system', line })),
  assistant: (v: unknown): ClaudeLine | null => wrap(AssistantLine.safeParse(v), (line) => ({ kind: 'assistant', line })),
  user: (v: unknown): ClaudeLine | null => wrap(UserLine.safeParse(v), (line) => ({ kind: 'user', line })),
  result: (v: unknown): ClaudeLine | null => wrap(ResultLine.safeParse(v), (line) => ({ kind: 'result', line })),
  control_request: (v: unknown): ClaudeLine | null =>
    wrap(ControlRequestLine.safeParse(v), (line) => {
      const permission = CanUseToolRequest.safeParse(line.request);
      return permission.success ? { kind: 'permission', requestId: line.request_id, request: permission.data } : { kind: 'control_request', line };
    }),
  control_cancel_request: (v: unknown): ClaudeLine | null => wrap(ControlCancelLine.safeParse(v), (line) => ({ kind: 'control_cancel', requestId: line.request_id })),
  control_response: (v: unknown): ClaudeLine | null =>
    wrap(ControlResponseLine.safeParse(v), (line) => ({ kind: 'control_response', requestId: line.response.request_id, subtype: line.response.subtype, error: line.response.error })),
} as const;

function wrap<T>(r: z.SafeParseReturnType<unknown, T>, f: (v: T) => ClaudeLine): ClaudeLine | null {
  return r.success ? f(r.data) : null;
}

/** Parses one line of Claude Code's stdout (without its newline). Never throws. */
export function parseLine(text: string): ClaudeLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'text', text };
  }
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  const parse = typeof type === 'string' && Object.hasOwn(BY_TYPE, type) ? BY_TYPE[type as keyof typeof BY_TYPE] : undefined;
  return parse?.(value) ?? { kind: 'unknown', value };
}

// ---- what rcd writes to Claude Code's stdin: one JSON document per line ----

const line = (doc: unknown) => Buffer.from(`${JSON.stringify(doc)}\n`);

/** `rcd send`: one user message, whatever the text holds (newlines included). */
export function userMessage(text: string): Buffer {
  return line({ type: 'user', message: { role: 'user', content: text } });
}

/** Claude Code's permission modes (`--permission-mode`, `set_permission_mode`, a `setMode` update). */
export const PERMISSION_MODES = ['default', 'acceptEdits', 'bypassPermissions', 'plan'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

/**
 * The answer to a `can_use_tool` request. Allow hands the tool its input back: the original one, or one with the
 * person's answers added (AskUserQuestion); `updatedPermissions` (rules to remember, a mode) goes with it when given.
 */
export function permissionResponse(
  requestId: string,
  decision: { allow: true; input: Record<string, unknown>; updatedPermissions?: unknown[] } | { allow: false; message: string },
): Buffer {
  const response = decision.allow
    ? { behavior: 'allow', updatedInput: decision.input, ...(decision.updatedPermissions?.length ? { updatedPermissions: decision.updatedPermissions } : {}) }
    : { behavior: 'deny', message: decision.message };
  return line({ type: 'control_response', response: { subtype: 'success', request_id: requestId, response } });
}

/** Switches the running session's permission mode; answered by a control_response with the same id. */
export function setPermissionModeRequest(requestId: string, mode: PermissionMode): Buffer {
  return line({ type: 'control_request', request_id: requestId, request: { subtype: 'set_permission_mode', mode } });
}

/** Asks Claude Code to end the running turn (its answer is a control_response with the same id). */
export function interruptRequest(requestId: string): Buffer {
  return line({ type: 'control_request', request_id: requestId, request: { subtype: 'interrupt' } });
}
