/**
 * `keyway init component`: what it writes and what it refuses. (Building, testing and publishing the scaffold
 * outside the repository is test/e2e/connector-package.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-harness';

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'keyway-init-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('keyway init component', () => {
  it('writes a package whose component key follows its name and which depends on the given keyway', async () => {
    const dir = join(work, 'acme-crm');
    const run = await runCli(['init', 'component', dir, '--keyway', 'file:/tmp/keyway.tgz', '--json']);
    expect(run.exitCode).toBe(0);
    expect(run.json<{ files: string[] }>().files).toContain('test/index.test.ts');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string>
    >;
    expect(pkg['devDependencies']).toMatchObject({ keyway: 'file:/tmp/keyway.tgz' });
    expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toContain('key: "acmeCrm"');
    // `npx keyway serve` in the package keeps its key, link secret and database in .keyway/: never committed.
    expect(readFileSync(join(dir, '.gitignore'), 'utf8').split('\n')).toEqual(
      expect.arrayContaining(['node_modules/', 'dist/', '.keyway/']),
    );
  });

  it('writes a relative file: tarball as seen from the new package, so npm install finds it', async () => {
    const dir = join(work, 'packed', 'acme-crm');
    const cwd = process.cwd();
    process.chdir(work);
    const run = await runCli(['init', 'component', dir, '--keyway', 'file:keyway-0.1.0.tgz']).finally(() =>
      process.chdir(cwd),
    );
    expect(run.exitCode).toBe(0);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string>
    >;
    // `file:` specs in a package.json are relative to that package's directory, not to where init ran.
    expect(pkg['devDependencies']?.['keyway']).toBe('file:../../keyway-0.1.0.tgz');
  });

  it('refuses a directory that is not empty, writing nothing', async () => {
    const dir = join(work, 'taken');
    await runCli(['init', 'component', dir]);
    writeFileSync(join(dir, 'src/index.ts'), '// mine');
    const run = await runCli(['init', 'component', dir]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^error KW_CLI_ARGUMENT_INVALID: .*exists and is not empty/);
    expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toBe('// mine');
  });
});
