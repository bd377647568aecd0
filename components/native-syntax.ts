/**
 * Gives back the native syntax that TypeScript lowered when it compiled for ES2015/ES2016: async functions and
 * object spread. `@prismatic-io/spectral` is published compiled that way, and its `createPerform` wraps every
 * action, trigger and data source of a component, so every action call paid for both:
 *
 * - An async function became `__awaiter(thisArg, args, P, function* () { … yield x … })`, which creates a new
 *   generator function on every call; V8 gives each generator function a prototype object and a map of its own.
 * - `{ ...context, debug }` became `Object.assign(Object.assign({}, context), { debug })`, which sets each of
 *   the context's properties on a new object one at a time (growing its property store as it goes), where a
 *   spread clones the object in one step: 290–880 ns against 30 ns for spectral's 24-property context.
 *
 * The rewrite is by text edits at positions found with TypeScript's parser (nothing else of the file is
 * reprinted), and only where the result means the same:
 *
 *   __awaiter(T, A, void 0, function* (params) { body })   →   (async (params) => { body' })(args)
 *
 * where `body'` has each of the generator's own `yield x` as `await (x)`, and `args` are A's elements (an
 * array literal), nothing (A is `void 0`) or `...arguments` (A is `arguments`). An arrow function takes `this`
 * and `arguments` from where it is written, so a body that uses `this` is rewritten only when T is `this`, and
 * one that uses `arguments` only when A is `arguments`; a call that uses a Promise constructor of its own (P
 * not `void 0`), a named generator, `yield*`, `new.target`, a class or an identifier `await` is left as it was.
 *
 *   Object.assign(Object.assign({ a }, b), { c }, d)   →   ({ a, ...b, c, ...d })
 *
 * only when the first argument (the target) is an object literal of plain properties — no accessor, method or
 * `__proto__` — so no setter of the target runs either way, and only where `Object` is not declared in the
 * file. Both evaluate and copy the sources in the same order, skip null and undefined, and copy enumerable own
 * string and symbol keys; the one difference is a source with an own property named `__proto__`, which
 * `Object.assign` turns into a change of the target's prototype and a spread copies as a property, as the
 * TypeScript source that was compiled meant.
 *
 * esbuild plugin: {@link nativeSyntaxPlugin}.
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';
import ts from 'typescript';

/** The outcome of rewriting one file. */
export interface NativeSyntaxResult {
  readonly code: string;
  /** `__awaiter` calls rewritten as native async functions. */
  readonly asyncFunctions: number;
  /** `Object.assign` chains onto a fresh object literal rewritten as object literals with spread. */
  readonly spreads: number;
  /** `__awaiter` calls left as they were, each with the reason. */
  readonly kept: readonly { readonly line: number; readonly reason: string }[];
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Rewrites every `__awaiter` call and `Object.assign` chain of `code` that can be; see the module comment. */
export function nativeSyntax(code: string, fileName = 'input.js'): NativeSyntaxResult {
  const awaiters = code.includes('__awaiter');
  const assigns = code.includes('Object.assign') && !DECLARES_OBJECT.test(code);
  if (!awaiters && !assigns) return { code, asyncFunctions: 0, spreads: 0, kept: [] };
  const file = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const edits: Edit[] = [];
  const kept: { line: number; reason: string }[] = [];
  let asyncFunctions = 0;
  let spreads = 0;

  const visit = (node: ts.Node): void => {
    if (awaiters && ts.isCallExpression(node) && isAwaiterCall(node)) {
      const reason = rewriteAwaiter(node, file, edits);
      if (reason === undefined) asyncFunctions++;
      else kept.push({ line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, reason });
    }
    if (assigns && ts.isCallExpression(node)) {
      const chain = assignChain(node);
      if (chain !== undefined) {
        spreads++;
        rewriteAssignChain(node, chain, file, edits);
        // The inner calls of the chain are rewritten with it; its arguments may hold more to rewrite.
        for (const arg of chain) visit(arg);
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { code: applyEdits(code, edits), asyncFunctions, spreads, kept };
}

/** A declaration that would make `Object` in the file something other than the global. */
const DECLARES_OBJECT = /\b(?:var|let|const|function|class)\s+Object\b/;

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
  // The text before the generator is replaced as a whole, so nothing in it may need a rewrite of its own.
  if (thisArg.kind !== ts.SyntaxKind.ThisKeyword && !isVoidZero(thisArg) && !ts.isIdentifier(thisArg))
    return "'this' given as an expression";

  const own = ownUses(generator);
  if (own.yieldStar) return 'yield*';
  if (own.newTarget) return 'new.target';
  if (own.awaitIdentifier) return "an identifier named 'await'";
  if (own.classInside) return 'a class inside';
  if (own.usesThis && thisArg.kind !== ts.SyntaxKind.ThisKeyword) return "'this' bound to another value";
  const argsText = argumentsText(args, file);
  if (argsText === undefined) return 'arguments given in a form other than an array of names';
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
  // Names only (TypeScript passes the outer function's parameters): a hole would read as undefined through
  // `apply` but cannot be written as a call argument, and an expression could hold a rewrite of its own.
  const named = (e: ts.Expression): boolean =>
    ts.isIdentifier(e) || (ts.isSpreadElement(e) && ts.isIdentifier(e.expression));
  if (ts.isArrayLiteralExpression(args) && args.elements.every(named))
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
  classInside: boolean;
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
    classInside: false,
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
    // A class's heritage and computed names are evaluated in the generator's scope (they may `yield`), its
    // bodies in their own: not worth telling apart for code TypeScript emits.
    if (ts.isClassLike(node)) {
      uses.classInside = true;
      return;
    }
    // Any other function has a `this`, an `arguments` and `yield`s of its own; only an identifier named
    // `await` anywhere inside would still break the async arrow the generator becomes.
    if (ts.isFunctionLike(node)) {
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

function isObjectAssign(node: ts.Node): node is ts.CallExpression {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  return (
    ts.isPropertyAccessExpression(callee) &&
    ts.isIdentifier(callee.expression) &&
    callee.expression.text === 'Object' &&
    callee.name.text === 'assign'
  );
}

/**
 * The arguments of `call` flattened — `Object.assign(Object.assign(L, a), b)` is `Object.assign(L, a, b)` —
 * when it is an `Object.assign` chain onto a fresh object literal of plain properties; otherwise `undefined`.
 */
function assignChain(call: ts.Node): ts.Expression[] | undefined {
  if (!isObjectAssign(call) || call.arguments.length < 2) return undefined;
  if (call.arguments.some(ts.isSpreadElement)) return undefined;
  const [target, ...sources] = call.arguments;
  if (target === undefined) return undefined;
  if (ts.isObjectLiteralExpression(target)) return plainLiteral(target) ? [target, ...sources] : undefined;
  const inner = assignChain(target);
  return inner === undefined ? undefined : [...inner, ...sources];
}

/** An object literal of data properties and spreads only, none named `__proto__` (which sets the prototype). */
function plainLiteral(literal: ts.ObjectLiteralExpression): boolean {
  return literal.properties.every((member) => {
    if (ts.isSpreadAssignment(member)) return true;
    if (!ts.isPropertyAssignment(member) && !ts.isShorthandPropertyAssignment(member)) return false;
    const name = member.name;
    return !((ts.isIdentifier(name) || ts.isStringLiteral(name)) && name.text === '__proto__');
  });
}

/**
 * Adds the edits that turn the `Object.assign` chain `call` (its arguments flattened in `chain`) into one
 * object literal: a plain literal argument gives its members, any other argument is spread. Only the text
 * between those members and arguments is replaced, so edits inside them (a nested rewrite) are kept.
 */
function rewriteAssignChain(
  call: ts.CallExpression,
  chain: readonly ts.Expression[],
  file: ts.SourceFile,
  edits: Edit[],
): void {
  const parts: { start: number; end: number; prefix: string }[] = [];
  chain.forEach((arg, i) => {
    // The target's members are inlined; a later literal's too, unless it has accessors or methods, whose
    // getters a spread runs just as Object.assign does.
    if (ts.isObjectLiteralExpression(arg) && (i === 0 || plainLiteral(arg))) {
      for (const member of arg.properties)
        parts.push({ start: member.getStart(file), end: member.end, prefix: '' });
    } else {
      parts.push({ start: arg.getStart(file), end: arg.end, prefix: '...' });
    }
  });
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (first === undefined || last === undefined) {
    edits.push({ start: call.getStart(file), end: call.end, text: '({})' });
    return;
  }
  // In parentheses: at the start of a statement or as an arrow function's body, a brace opens a block.
  edits.push({ start: call.getStart(file), end: first.start, text: `({ ${first.prefix}` });
  for (let i = 1; i < parts.length; i++) {
    const [before, part] = [parts[i - 1], parts[i]];
    if (before && part) edits.push({ start: before.end, end: part.start, text: `, ${part.prefix}` });
  }
  edits.push({ start: last.end, end: call.end, text: ' })' });
}

/**
 * Applies non-overlapping edits. Sorted by start, last first; at one position an insertion (an empty range)
 * goes after a replacement ending there, which is how a `yield`'s closing parenthesis follows the end of a
 * rewritten call it yields.
 */
function applyEdits(code: string, edits: readonly Edit[]): string {
  const ordered = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = code;
  let limit = code.length;
  for (const edit of ordered) {
    // Overlapping edits would corrupt the output: a bug here, which must fail the build rather than ship.
    if (edit.end > limit) throw new Error(`native-syntax: overlapping edits at offset ${edit.start}`);
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
    limit = edit.start;
  }
  return out;
}

/**
 * An esbuild plugin that runs {@link nativeSyntax} over the files `filter` matches (by default, the
 * published JavaScript of `@prismatic-io/spectral`) as they are bundled.
 */
export function nativeSyntaxPlugin(
  filter: RegExp = /[\\/]node_modules[\\/]@prismatic-io[\\/]spectral[\\/]dist[\\/].*\.js$/,
): Plugin {
  return {
    name: 'keyway-native-syntax',
    setup(build) {
      build.onLoad({ filter }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const result = nativeSyntax(source, args.path);
        // A newer spectral may compile something the rewrite does not take: the build says so.
        const warnings = result.kept.map((k) => ({
          text: `async function left compiled to a generator (${k.reason})`,
          location: { file: args.path, line: k.line },
        }));
        return { contents: result.code, loader: 'js', warnings };
      });
    },
  };
}
