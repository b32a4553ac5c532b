// The device page's elements (rendered by src/relay/pages/session-page.ts deviceShell), looked up once and typed,
// so a page and script out of step fail at load, visibly.
function byId<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`the device page has no #${id}`);
  return el;
}

export const findDevicePage = () => ({
  name: byId('name', HTMLElement),
  state: byId('state', HTMLElement),
  scope: byId('scope', HTMLElement),
  checked: byId('checked', HTMLElement),
  note: byId('note', HTMLElement),
  sessions: byId('sessions', HTMLUListElement),
  start: byId('start', HTMLDetailsElement),
  cwd: byId('cwd', HTMLElement),
  dirRoots: byId('dir-roots', HTMLButtonElement),
  dirUp: byId('dir-up', HTMLButtonElement),
  dirs: byId('dirs', HTMLUListElement),
  dirsNote: byId('dirs-note', HTMLElement),
  form: byId('start-form', HTMLFormElement),
  agent: byId('start-agent', HTMLSelectElement),
  commandLabel: byId('command-label', HTMLLabelElement),
  command: byId('start-command', HTMLInputElement),
  startName: byId('start-name', HTMLInputElement),
  worktree: byId('start-worktree', HTMLInputElement),
  submit: byId('start-submit', HTMLButtonElement),
  result: byId('start-result', HTMLElement),
  notify: byId('notify', HTMLElement),
  notifyState: byId('notify-state', HTMLElement),
  notifyOn: byId('notify-on', HTMLButtonElement),
  notifyOff: byId('notify-off', HTMLButtonElement),
});

export type DevicePage = ReturnType<typeof findDevicePage>;
