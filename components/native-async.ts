/**
 * Gives back native `async` functions to JavaScript that TypeScript compiled for ES2015/ES2016, where every
 * async function became `__awaiter(thisArg, args, P, function* () { … yield x … })`.
 *
 * That form costs more than it looks on V8: each call creates a new generator function, and a generator
 * function gets a prototype object of its own (with its own map), reachable from the closure for as long as
 * the call runs. Beside an HTTP request that is long enough for everything the call reaches to be promoted to
 * the old generation. `@prismatic-io/spectral` ships such code, and its `createPerform` wraps every action,
 * trigger and data source of a component, so every action call paid it. A native async function makes none
 * of it.
 *
 * The rewrite is by text edits at positions found with TypeScript's parser (nothing else of the file is
 * reprinted). A call is rewritten only where the result means the same:
 *
 *   __awaiter(T, A, void 0, function* (params) { body })   →   (async (params) => { body' })(args)
 *
 * where `body'` has each of the generator's own `yield x` as `await (x)`, and `args` are A's elements (an
 * array literal), nothing (A is `void 0`) or `...arguments` (A is `arguments`). An arrow function takes `this`
 * and `arguments` from where it is written, so a body that uses `this` is rewritten only when T is `this`, and
 * one that uses `arguments` only when A is `arguments`; a call that uses a Promise constructor of its own (P
 * not `void 0`), a named generator, `yield*`, `new.target` or an identifier `await` is left as it was.
 * esbuild plugin: {@link nativeAsyncPlugin}.
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';
import ts from 'typescript';

/** The outcome of rewriting one file. */
export interface NativeAsyncResult {
  readonly code: string;
  /** `__awaiter` calls rewritten as native async functions. */
  readonly rewritten: number;
  /** `__awaiter` calls left as they were, each with the reason. */
  readonly kept: readonly { readonly line: number; readonly reason: string }[];
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Rewrites every `__awaiter(…, function* …)` call of `code` that can be; see the module comment. */
export function nativeAsync(code: string, fileName = 'input.js'): NativeAsyncResult {
  if (!code.includes('__awaiter')) return { code, rewritten: 0, kept: [] };
  const file = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const edits: Edit[] = [];
  const kept: { line: number; reason: string }[] = [];
  let rewritten = 0;

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && isAwaiterCall(node)) {
      const reason = rewriteAwaiter(node, file, edits);
      if (reason === undefined) rewritten++;
      else kept.push({ line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, reason });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { code: applyEdits(code, edits), rewritten, kept };
}

function isAwaiterCall(call: ts.CallExpression): boolean {
  const callee = call.expression;
  return ts.isIdentifier(callee) && callee.text === '__awaiter';
}

/** Adds the edits that rewrite `call`, or returns why it is kept. */
function rewriteAwaiter(call: ts.CallExpression, file: ts.SourceFile, edits: Edit[]): string | undefined {
  const [thisArg, args, promise, generator] = call.arguments;
  if (call.arguments.length !== 4 || !thisArg || !args || !promise || !generator) return 'not 4 arguments';
  if (!ts.isFunctionExpression(generator) || generator.asteriskToken === undefined)
    return 'the last argument is not a generator function expression';
  if (generator.name !== undefined) return 'the generator is named';
  if (!isVoidZero(promise)) return 'a Promise constructor of its own';

  const own = ownUses(generator);
  if (own.yieldStar) return 'yield*';
  if (own.newTarget) return 'new.target';
  if (own.awaitIdentifier) return "an identifier named 'await'";
  if (own.usesThis && thisArg.kind !== ts.SyntaxKind.ThisKeyword) return "'this' bound to another value";
  const argsText = argumentsText(args, file);
  if (argsText === undefined) return 'arguments given in a form other than an array literal';
  if (own.usesArguments && !(ts.isIdentifier(args) && args.text === 'arguments'))
    return "'arguments' bound to other values";

  edits.push({ start: call.getStart(file), end: generator.parameters.pos, text: '(async (' });
  edits.push({ start: generator.parameters.end, end: generator.body.getStart(file), text: ') => ' });
  edits.push({ start: generator.end, end: call.end, text: `)(${argsText})` });
  for (const y of own.yields) {
    if (y.expression === undefined) {
      edits.push({ start: y.getStart(file), end: y.end, text: 'await undefined' });
    } else {
      edits.push({ start: y.getStart(file), end: y.expression.getStart(file), text: 'await (' });
      edits.push({ start: y.end, end: y.end, text: ')' });
    }
  }
  return undefined;
}

function isVoidZero(node: ts.Expression): boolean {
  return ts.isVoidExpression(node) && ts.isNumericLiteral(node.expression) && node.expression.text === '0';
}

/** The call arguments `args` stands for, as source text; `undefined` when it cannot be told statically. */
function argumentsText(args: ts.Expression, file: ts.SourceFile): string | undefined {
  if (isVoidZero(args)) return '';
  if (ts.isIdentifier(args) && args.text === 'arguments') return '...arguments';
  // A hole would read as undefined through `apply` but cannot be written as a call argument.
  if (ts.isArrayLiteralExpression(args) && !args.elements.some(ts.isOmittedExpression))
    return args.elements.map((e) => e.getText(file)).join(', ');
  return undefined;
}

interface OwnUses {
  /** The generator's own `yield` expressions (not those of generators nested in it). */
  readonly yields: ts.YieldExpression[];
  yieldStar: boolean;
  newTarget: boolean;
  awaitIdentifier: boolean;
  /** `this` as the generator sees it: its own, or inside arrow functions nested in it. */
  usesThis: boolean;
  usesArguments: boolean;
}

/** What of `generator`'s own scope its parameters and body use. */
function ownUses(generator: ts.FunctionExpression): OwnUses {
  const uses: OwnUses = {
    yields: [],
    yieldStar: false,
    newTarget: false,
    awaitIdentifier: false,
    usesThis: false,
    usesArguments: false,
  };
  // `inArrow`: inside an arrow function nested in the generator, which shares its `this` and `arguments`
  // but cannot hold its `yield`s.
  const walk = (node: ts.Node, inArrow: boolean): void => {
    if (ts.isIdentifier(node)) {
      if (node.text === 'await') uses.awaitIdentifier = true;
      else if (node.text === 'arguments' && !isPropertyName(node)) uses.usesArguments = true;
      return;
    }
    if (node.kind === ts.SyntaxKind.ThisKeyword) {
      uses.usesThis = true;
      return;
    }
    if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.NewKeyword) {
      uses.newTarget = true;
      return;
    }
    if (ts.isYieldExpression(node) && !inArrow) {
      if (node.asteriskToken !== undefined) uses.yieldStar = true;
      uses.yields.push(node);
    }
    if (ts.isArrowFunction(node)) {
      ts.forEachChild(node, (child) => walk(child, true));
      return;
    }
    // Any other function has a `this`, an `arguments` and `yield`s of its own; only an identifier named
    // `await` anywhere inside would still break the async arrow the generator becomes.
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) {
      if (containsAwaitIdentifier(node)) uses.awaitIdentifier = true;
      return;
    }
    ts.forEachChild(node, (child) => walk(child, inArrow));
  };
  for (const parameter of generator.parameters) walk(parameter, false);
  walk(generator.body, false);
  return uses;
}

/** `x.arguments` or `{ arguments: … }`: a property name, not the `arguments` object. */
function isPropertyName(node: ts.Identifier): boolean {
  const parent = node.parent;
  return (
    (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
    (ts.isPropertyAssignment(parent) && parent.name === node) ||
    ((ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && parent.name === node)
  );
}

function containsAwaitIdentifier(node: ts.Node): boolean {
  if (ts.isIdentifier(node)) return node.text === 'await';
  return ts.forEachChild(node, containsAwaitIdentifier) ?? false;
}

/**
 * Applies non-overlapping edits. Sorted by start, last first; at one position an insertion (an empty range)
 * goes after a replacement ending there, which is how a `yield`'s closing parenthesis follows the end of a
 * rewritten call it yields.
 */
function applyEdits(code: string, edits: readonly Edit[]): string {
  const ordered = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = code;
  for (const edit of ordered) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/**
 * An esbuild plugin that runs {@link nativeAsync} over the files `filter` matches (by default, the
 * published JavaScript of `@prismatic-io/spectral`) as they are bundled.
 */
export function nativeAsyncPlugin(
  filter: RegExp = /[\\/]node_modules[\\/]@prismatic-io[\\/]spectral[\\/]dist[\\/].*\.js$/,
): Plugin {
  return {
    name: 'keyway-native-async',
    setup(build) {
      build.onLoad({ filter }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        return { contents: nativeAsync(source, args.path).code, loader: 'js' };
      });
    },
  };
}
