/**
 * The module-boundary lint (eslint.config.mjs, `import/no-restricted-paths`) guards only what its zones match: a
 * zone naming a folder that is really a file (`./src/store/sqlite`), or one that does not exist, matches nothing
 * and the rule silently lets every import through. These tests read the zones from ESLint's resolved config, check
 * each glob against the repository's files with the matcher the rule itself uses, and lint a deliberate runtime →
 * SQLite-engine import.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

// The rule matches zone globs with minimatch 3 (eslint-plugin-import's own dependency); so does this test.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- minimatch 3 ships no types
const { Minimatch } = require('minimatch') as {
  Minimatch: new (pattern: string) => { match(path: string): boolean };
};

const ROOT = resolve(__dirname, '..', '..');
const SKIP = new Set(['node_modules', 'dist', '.git', 'coverage', 'results', '.keyway']);

interface Zone {
  readonly target: string;
  readonly from: readonly string[];
}

/**
 * Runs ESLint once, in a child process (it loads eslint.config.mjs as an ES module), with the repository's own
 * config minus type-aware linting (the boundary rule needs none, and type information would cost seconds a file):
 * prints the boundary zones resolved for src/runtime and the boundary rule's messages for each `{ file, code }`.
 */
const LINT_SCRIPT = `
const { ESLint } = require('eslint');
const tseslint = require('typescript-eslint');
(async () => {
  const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const eslint = new ESLint({ overrideConfig: [tseslint.configs.disableTypeChecked] });
  const config = await eslint.calculateConfigForFile('src/runtime/ids.ts');
  const messages = [];
  for (const c of cases) {
    const [result] = await eslint.lintText(c.code, { filePath: c.file });
    messages.push(result.messages.filter((m) => m.ruleId === 'import/no-restricted-paths').map((m) => m.message));
  }
  process.stdout.write(JSON.stringify({ zones: config.rules['import/no-restricted-paths'][1].zones, messages }));
})();
`;

interface LintCase {
  readonly file: string;
  readonly code: string;
}

function lint(cases: readonly LintCase[]): { zones: Zone[]; messages: string[][] } {
  const run = spawnSync(process.execPath, ['-e', LINT_SCRIPT], {
    cwd: ROOT,
    input: JSON.stringify(cases),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { zones: Zone[]; messages: string[][] };
}

function repositoryFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? repositoryFiles(path) : [path];
  });
}

const RUNTIME_TO_ENGINE = {
  file: 'src/runtime/ids.ts',
  code: "import { openSqliteEngine } from '../store/sqlite';\nexport const open = openSqliteEngine;\n",
};
const RUNTIME_TO_FACADE = {
  file: 'src/runtime/ids.ts',
  code: "import { openStore } from '../store';\nexport const open = openStore;\n",
};
const SERVER_TO_OAUTH_MODULE = {
  file: 'src/server/links.ts',
  code: "import { generateState } from '../oauth/pkce';\nexport const state = generateState;\n",
};

const PROVIDERS_TO_RUNTIME = {
  file: 'src/providers/resolve.ts',
  code: "import { runAction } from '../runtime';\nexport const run = runAction;\n",
};
const RUNTIME_TO_PROVIDERS_MODULE = {
  file: 'src/runtime/ids.ts',
  code: "import { resolveConnection } from '../providers/resolve';\nexport const resolve = resolveConnection;\n",
};
const RUNTIME_TO_PROVIDERS = {
  file: 'src/runtime/ids.ts',
  code: "import { resolveConnection } from '../providers';\nexport const resolve = resolveConnection;\n",
};
const RUNTIME_TO_CATALOG = {
  file: 'src/runtime/ids.ts',
  code: "import { github } from '../../connections/catalog/github';\nexport const provider = github;\n",
};

describe('module-boundary lint', () => {
  const { zones, messages } = lint([
    RUNTIME_TO_ENGINE,
    RUNTIME_TO_FACADE,
    SERVER_TO_OAUTH_MODULE,
    PROVIDERS_TO_RUNTIME,
    RUNTIME_TO_PROVIDERS_MODULE,
    RUNTIME_TO_PROVIDERS,
    RUNTIME_TO_CATALOG,
  ]);

  test('every zone target and source matches at least one file in the repository', () => {
    expect(zones.length).toBeGreaterThan(0);
    const files = repositoryFiles();
    const unmatched = zones
      .flatMap((zone) => [zone.target, ...zone.from])
      .filter((glob) => {
        const matcher = new Minimatch(resolve(ROOT, glob));
        return !files.some((file) => matcher.match(file));
      });
    expect([...new Set(unmatched)]).toEqual([]);
  });

  test('a runtime import of the SQLite engine is rejected, the store interface is not', () => {
    expect(messages[0]).toEqual([expect.stringContaining('never a concrete engine')]);
    expect(messages[1]).toEqual([]);
  });

  test('a server import of an oauth module other than its index is rejected', () => {
    expect(messages[2]).toEqual([expect.stringContaining('thin HTTP layer')]);
  });

  test('src/providers may not import the runtime', () => {
    expect(messages[3]).toEqual([expect.stringContaining('src/providers interprets provider definitions')]);
  });

  test('the runtime reaches src/providers through its index only, and never reads connections/', () => {
    expect(messages[4]).toEqual([expect.stringContaining('through src/providers/index.ts')]);
    expect(messages[5]).toEqual([]);
    expect(messages[6]).toEqual([expect.stringContaining('through src/providers/index.ts')]);
  });
});
