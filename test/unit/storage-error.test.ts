// A full disk or a read-only state directory is reported as what it is, with what to do, not as a bug
// (the daemon answers 507; running agents are not touched).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storageError } from '../../src/daemon/api/server.js';

const sqliteError = (code: string) => Object.assign(new Error(`${code}: something`), { code });

describe('storage errors', () => {
  it('maps SQLite full, read-only and I/O errors to a clear 507', () => {
    const full = storageError(sqliteError('SQLITE_FULL'));
    assert.ok(full);
    assert.match(full.message, /the disk is full \(SQLITE_FULL\); free space .*running agents are not affected/);
    assert.equal((full as unknown as { status: number }).status, 507);
    assert.match(storageError(sqliteError('SQLITE_READONLY_DBMOVED'))?.message ?? '', /read-only/);
    assert.match(storageError(sqliteError('SQLITE_IOERR_WRITE'))?.message ?? '', /cannot be written/);
  });

  it('leaves every other error alone', () => {
    assert.equal(storageError(sqliteError('SQLITE_CONSTRAINT_UNIQUE')), null);
    assert.equal(storageError(new Error('plain')), null);
    assert.equal(storageError(undefined), null);
  });
});
