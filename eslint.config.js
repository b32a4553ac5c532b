// Lint rules for rcd. The one architectural rule: the CLI and the daemon never import each other;
// both speak only through src/protocol (see docs/architecture.md, "The pieces").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'examples/', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // The session page's script runs in the browser: its globals, and no Node module (esbuild would refuse to
    // bundle one) nor render.ts, whose StringDecoder is Node's: the page shares render-text.ts instead.
    files: ['src/web/**/*.ts', 'test-browser/e2e-entry.ts'],
    languageOptions: {
      globals: Object.fromEntries(['window', 'document', 'location', 'fetch', 'crypto', 'atob', 'btoa', 'TextDecoder', 'TextEncoder',
        'HTMLElement', 'HTMLPreElement', 'HTMLFormElement', 'HTMLTextAreaElement', 'HTMLButtonElement', 'Response', 'RequestInit'].map((g) => [g, 'readonly'])),
    },
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*'], message: 'Browser code: no Node module.' },
        { group: ['**/agents/claude/render.js'], message: 'render.ts loads node:string_decoder; import the pure functions from render-text.js.' },
      ] }],
      // Agent text only ever becomes text nodes (src/web/dom.ts): nothing here may parse a string as HTML.
      'no-restricted-properties': ['error',
        ...['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'createContextualFragment', 'write', 'writeln', 'srcdoc'].map((property) => ({ property, message: 'Build elements with src/web/dom.ts; never parse a string as HTML.' }))],
      'no-restricted-globals': ['error', { name: 'DOMParser', message: 'Never parse a string as HTML.' }, { name: 'eval', message: 'No eval.' }],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/daemon/**', '**/store/**'], message: 'The CLI talks to the daemon only through src/protocol over the socket.' }] }],
    },
  },
  {
    files: ['src/daemon/**/*.ts', 'src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/cli/**'], message: 'The daemon never imports the CLI; share code through src/protocol or src/common.' }] }],
    },
  },
);
