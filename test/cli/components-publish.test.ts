/**
 * `keyway components publish <connector.yaml>` builds the connector into a temporary bundle and publishes it:
 * what it prints names the file the person gave, not the temporary bundle (removed once published).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli, tempDataDir } from './cli-harness';

let work: string;
let dataDir: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'keyway-publish-yaml-'));
  dataDir = tempDataDir();
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('keyway components publish of a connector file', () => {
  it('reports the connector file it published, not the temporary bundle it built', async () => {
    const file = join(work, 'spotify.yaml');
    copyFileSync(resolve(__dirname, '../../connectors/spotify.yaml'), file);
    const run = await runCli(['components', 'publish', file, '--data-dir', dataDir, '--json']);
    expect(run.exitCode).toBe(0);
    const [row] = run.json<{ published: { key: string; version: number; path: string }[] }>().published;
    expect(row).toMatchObject({ key: 'spotifyLowCode', version: 1, path: file });

    const table = await runCli(['components', 'publish', file, '--data-dir', dataDir]);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toContain(file);
    expect(existsSync(join(work, 'dist'))).toBe(false);
  });
});
