import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';
import { nativeSyntax, nativeSyntaxPlugin } from '../../components/native-syntax';

const ROOT = join(__dirname, '..', '..');
const SPECTRAL_DIST = join(ROOT, 'node_modules', '@prismatic-io', 'spectral', 'dist');

/** `source` compiled by TypeScript for ES2015, as spectral is published: async functions become `__awaiter`. */
function es2015(source: string): string {
  return ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2015, module: ts.ModuleKind.CommonJS },
  }).outputText;
}

/** Runs CommonJS `code` in this realm and returns its exports. */
function load(
  code: string,
  requireFn: (id: string) => unknown = createRequire(__filename),
): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating generated code is the test
  const run = new Function('exports', 'require', 'module', code) as (
    exports: unknown,
    require: (id: string) => unknown,
    module: unknown,
  ) => void;
  run(module.exports, requireFn, module);
  return module.exports;
}

/** Settles `promise` into a comparable record. */
async function settle(promise: unknown): Promise<{ value?: unknown; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : error };
  }
}

/** Every `.js` file under `dir`. */
function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

// Async functions in the shapes TypeScript compiles differently: each is run compiled for ES2015 as it is and
// rewritten, and both must settle the same way.
const CASES = `
export const plain = async (x: number) => (await Promise.resolve(x)) + 1;
export const precedence = async (a: number, b: number) => { const r = await (Promise.resolve(a)) ; return (await Promise.resolve(r)) * b + (await b); };
export const destructured = async ({ a, b = 2 }: { a: number; b?: number }, ...rest: number[]) => a + b + rest.length + (await 0);
export const throwsBeforeAwait = async (x: unknown) => { if (x === undefined) throw new TypeError('no x'); return await x; };
export const rejects = async () => { await null; throw new RangeError('later'); };
export const catches = async () => { try { await Promise.reject(new Error('inner')); return 'unreached'; } catch (e) { return 'caught ' + (e as Error).message; } };
export const thenable = async () => ({ then: (resolve: (v: string) => void) => resolve('from thenable') });
export const nested = async (n: number) => { const inner = async (m: number) => (await m) * 2; return (await inner(n)) + (await inner(await n)); };
export const bare = async () => { const values: unknown[] = []; for (const v of [1, Promise.resolve(2), 3]) values.push(await v); return values; };
export class Counter {
  count = 10;
  async add(by: number) { await null; this.count += by; return this.count; }
  async viaArrow() { const f = async () => { await null; return this.count; }; return f(); }
  async usesArguments(..._args: number[]) { await null; return arguments.length; }
}
export function legacy(this: unknown, ..._args: unknown[]) { return (async () => { await null; return arguments.length; })(); }
export async function* notAwaiter() { yield 1; }
`;

describe('nativeSyntax: async functions (spectral ships them compiled to generators)', () => {
  const compiled = es2015(CASES);
  const rewritten = nativeSyntax(compiled);
  const before = load(compiled);
  const after = load(rewritten.code);

  it('rewrites every __awaiter call TypeScript emits for these shapes, leaving no generator behind', () => {
    expect(compiled).toContain('__awaiter(');
    expect(rewritten.kept).toEqual([]);
    expect(rewritten.asyncFunctions).toBe(15);
    expect(rewritten.code).not.toContain('__awaiter(');
    // An async generator compiles to other helpers, which stay.
    expect(rewritten.code).toContain('__asyncGenerator(this, arguments, function* notAwaiter_1()');
  });

  it.each([
    ['plain', [1]],
    ['precedence', [3, 4]],
    ['destructured', [{ a: 1 }, 7, 8]],
    ['throwsBeforeAwait', [undefined]],
    ['throwsBeforeAwait', ['x']],
    ['rejects', []],
    ['catches', []],
    ['thenable', []],
    ['nested', [5]],
    ['bare', []],
  ] as const)('%s%j settles the same once rewritten', async (name, args) => {
    const call = (mod: Record<string, unknown>): unknown =>
      (mod[name] as (...a: readonly unknown[]) => unknown)(...args);
    const original = call(before);
    const native = call(after);
    expect(native).toBeInstanceOf(Promise);
    expect(await settle(native)).toEqual(await settle(original));
  });

  it('keeps `this` and `arguments` of methods, and of arrows inside them', async () => {
    for (const mod of [before, after]) {
      const Counter = mod['Counter'] as new () => {
        add(by: number): Promise<number>;
        viaArrow(): Promise<number>;
        usesArguments(...args: number[]): Promise<number>;
      };
      const counter = new Counter();
      await expect(counter.add(5)).resolves.toBe(15);
      await expect(counter.viaArrow()).resolves.toBe(15);
      await expect(counter.usesArguments(1, 2, 3)).resolves.toBe(3);
      await expect((mod['legacy'] as (...a: unknown[]) => Promise<number>)(1, 2)).resolves.toBe(2);
    }
  });
});

// Object spread in the shapes TypeScript compiles to Object.assign for ES2015.
const SPREADS = `
export const log: string[] = [];
const at = <T>(label: string, value: T): T => { log.push(label); return value; };
export const copy = (a: object) => ({ ...a });
export const extended = (a: object) => ({ ...a, debug: 1, invokeFlow: 2 });
export const around = (a: object, b: object) => ({ first: 1, ...a, middle: 2, ...b, last: 3 });
export const skipsNothing = (a: unknown) => ({ ...(a as object), x: 1 });
export const ordered = () => ({ ...at('a', { a: 1 }), b: at('b', 2), ...at('c', { c: 3, b: 9 }), d: at('d', 4) });
export const inAsync = async (a: object) => ({ ...(await Promise.resolve(a)), done: true });
export function statement(a: object) { ({ ...a }); return { ...{ ...a }, nested: true }; }
export const computed = (key: string, a: object) => ({ ...a, [key]: 'set' });
`;

describe('nativeSyntax: object spread (spectral ships it compiled to Object.assign)', () => {
  const compiled = es2015(SPREADS);
  const rewritten = nativeSyntax(compiled);
  const before = load(compiled);
  const after = load(rewritten.code);
  const symbol = Symbol('s');
  const withGetter = Object.defineProperty({ plain: 1, [symbol]: 'sym' }, 'got', {
    enumerable: true,
    get: () => 'from getter',
  });
  Object.defineProperty(withGetter, 'hidden', { enumerable: false, value: 'not copied' });

  it('rewrites every Object.assign chain TypeScript emits into one object literal', () => {
    expect(compiled.match(/Object\.assign\(/g)?.length).toBeGreaterThanOrEqual(10);
    expect(rewritten.code).not.toContain('Object.assign(');
    expect(rewritten.spreads).toBe(10);
  });

  it.each([
    ['copy', [withGetter]],
    ['extended', [{ debug: 0, other: 'kept' }]],
    [
      'around',
      [
        { first: 'a', middle: 'a' },
        { last: 'b', extra: 'b' },
      ],
    ],
    ['skipsNothing', [null]],
    ['skipsNothing', [undefined]],
    ['skipsNothing', ['ab']],
    ['computed', ['k', { k: 'before' }]],
    ['statement', [{ s: 1 }]],
  ] as const)('%s%j gives the same object once rewritten', (name, args) => {
    const call = (mod: Record<string, unknown>): unknown =>
      (mod[name] as (...a: readonly unknown[]) => unknown)(...args);
    const [original, native] = [call(before), call(after)] as [object, object];
    expect(native).toEqual(original);
    expect(Reflect.ownKeys(native)).toEqual(Reflect.ownKeys(original));
    expect(Object.getPrototypeOf(native)).toBe(Object.prototype);
  });

  it('evaluates and copies in the same order, inside async functions too', async () => {
    for (const mod of [before, after]) {
      const log = mod['log'] as string[];
      log.length = 0;
      expect((mod['ordered'] as () => object)()).toEqual({ a: 1, b: 9, c: 3, d: 4 });
      expect(log).toEqual(['a', 'b', 'c', 'd']);
      await expect((mod['inAsync'] as (a: object) => Promise<object>)({ x: 1 })).resolves.toEqual({
        x: 1,
        done: true,
      });
    }
  });

  it("copies a source's own __proto__ key as a property, as the spread that was compiled meant", () => {
    const source = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as object;
    const original = (before['copy'] as (a: object) => Record<string, unknown>)(source);
    const native = (after['copy'] as (a: object) => Record<string, unknown>)(source);
    // Object.assign set the prototype; the spread defines an own property and leaves the prototype alone.
    expect(Object.getPrototypeOf(original)).toEqual({ polluted: true });
    expect(Object.getPrototypeOf(native)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(native, '__proto__')?.value).toEqual({ polluted: true });
  });
});

describe('nativeSyntax leaves alone what it cannot rewrite to the same meaning', () => {
  it.each([
    [
      "'this' bound to another value",
      'const f = (o) => __awaiter(o, void 0, void 0, function* () { return this; });',
    ],
    [
      "'this' bound to another value",
      'const f = () => __awaiter(void 0, void 0, void 0, function* () { return () => this; });',
    ],
    [
      "'arguments' bound to other values",
      'function f(a) { return __awaiter(this, [a], void 0, function* () { return arguments; }); }',
    ],
    [
      'a Promise constructor of its own',
      'const f = () => __awaiter(void 0, void 0, MyPromise, function* () { yield 1; });',
    ],
    [
      'the generator is named',
      'const f = () => __awaiter(void 0, void 0, void 0, function* g() { yield 1; });',
    ],
    ['yield*', 'const f = () => __awaiter(void 0, void 0, void 0, function* () { yield* other(); });'],
    [
      'arguments given in a form other than an array of names',
      'const f = (xs) => __awaiter(void 0, xs, void 0, function* () { yield 1; });',
    ],
    [
      'arguments given in a form other than an array of names',
      'const f = (o) => __awaiter(void 0, [o.a], void 0, function* (a) { yield a; });',
    ],
    [
      'a class inside',
      'const f = (B) => __awaiter(void 0, void 0, void 0, function* () { return class extends (yield B) {}; });',
    ],
    [
      "'this' given as an expression",
      'const f = (o) => __awaiter(o.self, void 0, void 0, function* () { yield 1; });',
    ],
    [
      "an identifier named 'await'",
      'const f = () => __awaiter(void 0, void 0, void 0, function* () { var await = 1; yield await; });',
    ],
  ])('keeps a call it cannot rewrite (%s)', (reason, code) => {
    const result = nativeSyntax(code);
    expect(result).toEqual({ code, asyncFunctions: 0, spreads: 0, kept: [{ line: 1, reason }] });
  });

  it.each([
    ['into an existing object', 'const f = (target, a) => Object.assign(target, a);'],
    ['onto a literal with an accessor', 'const f = (a) => Object.assign({ get x() { return 1; } }, a);'],
    ['onto a literal with a prototype', 'const f = (p, a) => Object.assign({ __proto__: p }, a);'],
    ['with an argument spread', 'const f = (xs) => Object.assign({}, ...xs);'],
    [
      'where Object is not the global',
      'const Object = { assign: (a, b) => b }; const f = (a) => Object.assign({}, a);',
    ],
  ])('keeps an Object.assign %s', (_what, code) => {
    expect(nativeSyntax(code)).toEqual({ code, asyncFunctions: 0, spreads: 0, kept: [] });
  });

  it('passes through code with neither __awaiter nor Object.assign untouched, without parsing it', () => {
    const code = 'this is not JavaScript at all {';
    expect(nativeSyntax(code)).toEqual({ code, asyncFunctions: 0, spreads: 0, kept: [] });
  });
});

describe('nativeSyntax on the pinned @prismatic-io/spectral', () => {
  const files = jsFiles(SPECTRAL_DIST);

  it('rewrites every async function and object spread of every published file, and each result still compiles', () => {
    let asyncFunctions = 0;
    let spreads = 0;
    for (const file of files) {
      const result = nativeSyntax(readFileSync(file, 'utf8'), file);
      expect({ file, kept: result.kept }).toEqual({ file, kept: [] });
      expect(result.code).not.toMatch(/__awaiter\((?!thisArg)/);
      // What is left of Object.assign writes into an existing object, which a spread cannot.
      expect(result.code).not.toMatch(/Object\.assign\(\{/);
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a syntax check of the rewritten module
      expect(() => new Function('exports', 'require', 'module', result.code)).not.toThrow();
      asyncFunctions += result.asyncFunctions;
      spreads += result.spreads;
    }
    expect(asyncFunctions).toBeGreaterThanOrEqual(60);
    expect(spreads).toBeGreaterThanOrEqual(60);
  });

  it("keeps createPerform's behaviour: params cleaned, context extended, errors through the error handler", async () => {
    const file = join(SPECTRAL_DIST, 'serverTypes', 'perform.js');
    const source = readFileSync(file, 'utf8');
    // The module requires its siblings by relative path: resolved from its own file.
    const requireFrom = createRequire(file);
    type CreatePerform = (
      fn: (...args: unknown[]) => Promise<unknown>,
      options: {
        inputCleaners: Record<string, (v: unknown) => unknown>;
        errorHandler?: (e: unknown) => unknown;
      },
    ) => (...args: unknown[]) => Promise<unknown>;
    const original = load(source, requireFrom)['createPerform'] as CreatePerform;
    const native = load(nativeSyntax(source, file).code, requireFrom)['createPerform'] as CreatePerform;
    expect(native.toString()).toContain('async () =>');
    expect(native.toString()).toContain('({ ...context');

    const context = {
      logger: { metric: () => undefined },
      webhookUrls: {},
      webhookApiKeys: {},
      globalDebug: false,
    };
    const inputCleaners = { n: (v: unknown) => Number(v), s: (v: unknown) => String(v).trim() };
    const echo = async (ctx: unknown, params: unknown): Promise<unknown> => ({
      keys: Object.keys(ctx as object).sort(),
      debugEnabled: (ctx as { debug: { enabled: boolean } }).debug.enabled,
      params: await params,
    });
    const failing = async (): Promise<never> => Promise.reject(new Error('provider said no'));
    const errorHandler = (e: unknown): Error => new Error(`handled: ${(e as Error).message}`);
    for (const [fn, args, handler] of [
      [echo, [context, { n: '42', s: '  x  ', extra: true }], undefined],
      [echo, [{ n: '7' }], undefined],
      [failing, [context, {}], errorHandler],
      [failing, [context, {}], undefined],
      [echo, [context, { n: 1 }, { s: ' y ' }], undefined],
    ] as const) {
      const options = handler ? { inputCleaners, errorHandler: handler } : { inputCleaners };
      expect(await settle(native(fn, options)(...args))).toEqual(
        await settle(original(fn, options)(...args)),
      );
    }
  });

  it('is what the shipped component bundles contain (npm run build:components)', () => {
    const bundle = join(ROOT, 'components', 'sandbox-demo', 'dist', 'index.js');
    const code = readFileSync(bundle, 'utf8');
    // spectral's createPerform, as built: a native async function inside, no generator, a spread context.
    const createPerform = code.slice(
      code.indexOf('createPerform = ('),
      code.indexOf('createPerform = (') + 700,
    );
    expect(createPerform).toContain('(async () =>');
    expect(createPerform).not.toContain('__awaiter');
    expect(createPerform).toMatch(/\{ \.\.\.context\d*, debug:/);
  });
});

describe('nativeSyntaxPlugin', () => {
  it("rewrites spectral's files as esbuild bundles them, and warns of what it left compiled", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyway-native-syntax-'));
    const spectral = join(dir, 'node_modules', '@prismatic-io', 'spectral', 'dist');
    mkdirSync(spectral, { recursive: true });
    writeFileSync(
      join(spectral, 'index.js'),
      [
        'exports.wrap = (fn) => (...args) => __awaiter(void 0, void 0, void 0, function* () { return yield fn(...args); });',
        'exports.named = () => __awaiter(void 0, void 0, void 0, function* g() { yield 1; });',
        'exports.extend = (c) => Object.assign(Object.assign({}, c), { debug: 1 });',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'other.js'),
      'exports.kept = (c) => Object.assign(Object.assign({}, c), { x: 1 });',
    );
    writeFileSync(
      join(dir, 'entry.js'),
      "module.exports = [require('@prismatic-io/spectral/dist/index.js'), require('./other')];",
    );
    const result = await build({
      entryPoints: [join(dir, 'entry.js')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      logLevel: 'silent',
      plugins: [nativeSyntaxPlugin()],
    });
    const out = result.outputFiles[0]?.text ?? '';
    expect(out).toMatch(/\(async \(\) => \{\s*return await fn\(\.\.\.args\);/);
    expect(out).toMatch(/\{ \.\.\.c, debug: 1 \}/);
    // Files outside spectral are not touched.
    expect(out).toContain('Object.assign(Object.assign({}, c), { x: 1 })');
    expect(result.warnings.map((w) => [w.text, w.location?.line])).toEqual([
      ['async function left compiled to a generator (the generator is named)', 2],
    ]);
  });
});
