/**
 * `assertUploadDir`, the start-up check of `uploadDir`: every way the directory can be unusable is the typed
 * `KW_CONFIG_INVALID` naming the setting, never a raw file-system error (ENOTDIR, EACCES) the CLI cannot explain.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertUploadDir } from '../../src/cli/serve-config';
import { isKeywayError } from '../../src/errors';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyway-upload-dir-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function refusal(path: string): { code: string; reason: unknown; message: string } {
  try {
    assertUploadDir(path);
  } catch (err) {
    if (!isKeywayError(err)) throw err;
    return { code: err.code, reason: err.details?.['reason'], message: err.message };
  }
  throw new Error(`assertUploadDir accepted ${path}`);
}

describe('assertUploadDir', () => {
  it('accepts a writable directory', () => {
    expect(() => assertUploadDir(dir)).not.toThrow();
  });

  it('refuses a path under a file with KW_CONFIG_INVALID, not a raw ENOTDIR', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const refused = refusal(join(file, 'uploads'));
    expect(refused).toMatchObject({ code: 'KW_CONFIG_INVALID', reason: 'not_a_directory' });
    expect(refused.message).toContain('uploadDir');
  });
});
