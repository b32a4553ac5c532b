// The version compiled into rcd (shown by --version and used in the CLI–daemon handshake) is package.json's.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { VERSION } from '../../src/common/version.js';
import { ROOT } from '../helpers/harness.js';

it('VERSION equals the version in package.json', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(VERSION, pkg.version);
});
