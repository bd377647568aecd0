/**
 * Reads a low-code connector file (YAML or JSON) and checks it completely before anything is built: the format
 * (zod), the provider and its connections (connections/), every template slot and JSON path. Every problem is
 * `KW_CONNECTOR_INVALID` naming the file, the line and the field, found through the `yaml` parser's positions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Cron } from 'croner';
import { transformSync } from 'esbuild';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { ZodError } from 'zod';
import { getProvider } from '../../connections/catalog';
import { defineProvider } from '../providers';
import type { ProviderDefinition, ProviderDefinitionInput } from '../providers';
import { toSpectralConnection } from '../providers/spectral';
import type { ToSpectralConnectionOptions } from '../providers/spectral';
import { KeywayError } from '../errors';
import { ConnectorDefinitionSchema } from './definition';
import type {
  CompiledConnector,
  ConnectorDefinition,
  ConnectorRunnable,
  ConnectorTrigger,
} from './definition';
import { parseJsonPath } from './json-path';
import { stringsIn, templateRefs } from './template';
import type { TemplateScope } from './template';

type Path = readonly (string | number)[];

/** A checked connector file, ready to build. */
export interface LoadedConnector {
  readonly file: string;
  readonly definition: ConnectorDefinition;
  readonly compiled: CompiledConnector;
  /** Absolute paths of code action files, by `actions.<key>` or `dataSources.<key>`. */
  readonly codeFiles: Readonly<Record<string, string>>;
  /** The source of code written in the file (`code: { source: | … }`), keyed as {@link codeFiles}. */
  readonly codeSources: Readonly<Record<string, string>>;
}

/** How a connector file is read. */
export interface LoadConnectorOptions {
  /** How messages name the file (default: its path relative to the working directory). */
  readonly shownAs?: string | undefined;
  /**
   * The file came alone (a REST publish): a code file next to it cannot come along, so `code: ./file.js` is
   * refused with what to do instead.
   */
  readonly singleFile?: boolean | undefined;
}

const SECRET_TOKEN_FIELDS = ['access_token', 'refresh_token', 'id_token'];
const TOKEN_FIELDS = ['scope', 'token_type', 'expires_in'];

/** Positions of the parsed document, for messages. */
class Locator {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * The 1-based line of the key that names `path` (plus `key`), or of the nearest enclosing one that exists:
   * a missing field is reported where its parent is named.
   */
  line(path: Path, key?: string): number {
    const full = key === undefined ? path : [...path, key];
    for (let n = full.length; n > 0; n -= 1) {
      const parent = this.doc.getIn(full.slice(0, n - 1), true) as Node | undefined;
      const last = full[n - 1];
      let range: readonly number[] | null | undefined;
      if (isMap(parent)) {
        const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === last);
        range = (pair?.key as Node | undefined)?.range;
      } else if (isSeq(parent) && typeof last === 'number') {
        range = (parent.items[last] as Node | undefined)?.range;
      }
      if (range?.[0] !== undefined) return this.lines.linePos(range[0]).line;
    }
    return 1;
  }

  /**
   * The file line of line `inner` (1-based) of the string at `path`: a block scalar (`source: |`) starts on the
   * line after its key; any other string is reported at its key.
   */
  innerLine(path: Path, inner: number): number {
    const node = this.doc.getIn(path, true);
    const block = isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
    return this.line(path) + (block ? inner : 0);
  }

  fail(path: Path, message: string, key?: string, line = this.line(path, key)): never {
    const field = [...path, ...(key !== undefined ? [key] : [])].join('.') || '(top)';
    throw new KeywayError('KW_CONNECTOR_INVALID', {
      message: `${this.file}:${line}: ${field}: ${message}`,
      details: { file: this.file, line, field },
    });
  }
}

function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

function parseText(file: string, text: string, shownAs?: string): { value: unknown; at: Locator } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = new Locator(shownAs ?? displayName(file), doc, lines);
  const problem = doc.errors[0];
  if (problem) {
    const line = lines.linePos(problem.pos[0]).line;
    throw new KeywayError('KW_CONNECTOR_INVALID', {
      message: `${at.file}:${line}: not valid YAML/JSON: ${problem.message.split('\n')[0] ?? ''}`,
      details: { file: at.file, line, field: '' },
    });
  }
  return { value: doc.toJS() as unknown, at };
}

function schemaFailure(error: ZodError, at: Locator): never {
  const issue = error.issues[0];
  if (!issue) at.fail([], 'invalid');
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') at.fail(path, 'unknown field', issue.keys[0]);
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    const key = path[path.length - 1];
    at.fail(path.slice(0, -1), 'is required but missing', typeof key === 'string' ? key : undefined);
  }
  at.fail(path, issue.message);
}

/**
 * Reads, validates and compiles the connector file at `path`.
 * @throws KeywayError `KW_CONNECTOR_INVALID` naming file, line and field.
 */
export function loadConnectorFile(path: string, options: LoadConnectorOptions = {}): LoadedConnector {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new KeywayError('KW_CONNECTOR_INVALID', {
      message: `Cannot read connector file ${file}: ${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      cause,
      details: { file, line: 0, field: '' },
    });
  }
  return loadConnectorText(file, text, options);
}

/**
 * As {@link loadConnectorFile}, for text already read: `file` anchors code files, and names it in messages
 * unless `options.shownAs` is given.
 */
export function loadConnectorText(
  file: string,
  text: string,
  options: LoadConnectorOptions = {},
): LoadedConnector {
  const { value, at } = parseText(file, text, options.shownAs);
  const parsed = ConnectorDefinitionSchema.safeParse(value);
  if (!parsed.success) schemaFailure(parsed.error, at);
  const definition = parsed.data;
  const provider = providerOf(definition, at);
  const connections = definition.connections.map((c, i) => {
    try {
      return JSON.parse(JSON.stringify(toSpectralConnection(provider, definedOnly(c)))) as {
        inputs: Record<string, unknown>;
      };
    } catch (cause) {
      return at.fail(['connections', i], cause instanceof Error ? cause.message : String(cause));
    }
  });
  const known: Known = {
    connection: connections
      .map((c) => Object.keys(c.inputs))
      .reduce((all, keys) => all.filter((k) => keys.includes(k))),
    token: [...TOKEN_FIELDS, ...provider.tokenResponse.keepFields],
  };
  checkTemplate(definition.baseUrl, ['baseUrl'], known, undefined, at);
  for (const [name, value] of Object.entries(definition.headers))
    checkTemplate(value, ['headers', name], known, undefined, at);
  const codeFiles: Record<string, string> = {};
  const codeSources: Record<string, string> = {};
  for (const kind of ['actions', 'dataSources'] as const) {
    for (const [name, runnable] of Object.entries(definition[kind])) {
      checkRunnable(runnable, [kind, name], known, at);
      const code = runnable.code;
      // Keyed `actions.x` / `dataSources.x`: an action and a data source may share a key.
      const id = `${kind}.${name}`;
      if (typeof code === 'string') codeFiles[id] = checkCodeFile(code, [kind, name], at, file, options);
      else if (code !== undefined) codeSources[id] = checkCodeSource(code.source, [kind, name], at);
    }
  }
  for (const [name, trigger] of Object.entries(definition.triggers))
    checkTrigger(trigger, ['triggers', name], known, at);
  const compiled: CompiledConnector = {
    key: definition.key,
    label: definition.label,
    description: definition.description,
    connections,
    baseUrl: definition.baseUrl,
    headers: definition.headers,
    auth: definition.auth,
    actions: definition.actions,
    dataSources: definition.dataSources,
    triggers: definition.triggers,
  };
  return { file: resolve(file), definition, compiled, codeFiles, codeSources };
}

function definedOnly(options: Record<string, unknown>): ToSpectralConnectionOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

function providerOf(definition: ConnectorDefinition, at: Locator): ProviderDefinition {
  try {
    return typeof definition.provider === 'string'
      ? getProvider(definition.provider)
      : defineProvider(definition.provider as ProviderDefinitionInput);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    return at.fail(['provider'], message.length > 300 ? `${message.slice(0, 300)}…` : message);
  }
}

interface Known {
  readonly connection: readonly string[];
  readonly token: readonly string[];
}

function checkTemplate(
  template: string,
  path: Path,
  known: Known,
  inputs: Readonly<Record<string, unknown>> | undefined,
  at: Locator,
  state: readonly string[] = [],
): void {
  const { refs, bad } = templateRefs(template);
  if (bad !== undefined)
    at.fail(
      path,
      `${bad} is not a template slot; write {{inputs.name}}, {{connection.name}} or {{token.name}}`,
    );
  for (const ref of refs) checkRef(ref.scope, ref.name, path, known, inputs, at, state);
}

function checkRef(
  scope: TemplateScope,
  name: string,
  path: Path,
  known: Known,
  inputs: Readonly<Record<string, unknown>> | undefined,
  at: Locator,
  state: readonly string[],
): void {
  const slot = `{{${scope}.${name}}}`;
  if (scope === 'state') {
    if (!state.includes(name))
      at.fail(
        path,
        state.length === 0
          ? `${slot}: only a polling trigger with a cursor has state; its request can use {{state.cursor}}`
          : `${slot}: the polling state has ${state.join(', ')}`,
      );
  } else if (scope === 'inputs') {
    if (inputs === undefined)
      return at.fail(
        path,
        `${slot}: connector-wide values cannot use inputs; only connection and token fields`,
      );
    if (!Object.hasOwn(inputs, name))
      at.fail(path, `${slot} names no input; this one declares ${Object.keys(inputs).join(', ') || 'none'}`);
  } else if (scope === 'connection') {
    if (!known.connection.includes(name))
      at.fail(path, `${slot} names no connection field; the connection has ${known.connection.join(', ')}`);
  } else if (SECRET_TOKEN_FIELDS.includes(name)) {
    at.fail(path, `${slot} would put a secret in the request; the access token is sent by auth: bearer`);
  } else if (!known.token.includes(name)) {
    at.fail(path, `${slot} is not a token field this provider keeps (${known.token.join(', ')})`);
  }
}

function checkPath(text: string | undefined, path: Path, at: Locator): void {
  if (text !== undefined && parseJsonPath(text) === undefined)
    at.fail(path, `"${text}" is not a JSON path this format accepts ($, .name, ['name'], [0], [*])`);
}

/** Checks one action or data source (its code apart: {@link checkCodeFile}, {@link checkCodeSource}). */
function checkRunnable(runnable: ConnectorRunnable, path: Path, known: Known, at: Locator): void {
  checkPath(runnable.response, [...path, 'response'], at);
  checkPath(runnable.errors?.messagePath, [...path, 'errors', 'messagePath'], at);
  if (runnable.pagination?.type === 'cursor')
    checkPath(runnable.pagination.cursorPath, [...path, 'pagination', 'cursorPath'], at);
  checkPath(runnable.picklist?.label, [...path, 'picklist', 'label'], at);
  checkPath(runnable.picklist?.value, [...path, 'picklist', 'value'], at);
  for (const [name, input] of Object.entries(runnable.inputs)) {
    const values = (input.choices ?? []).map((c) => (typeof c === 'string' ? c : c.value));
    if (input.default !== undefined && values.length > 0 && !values.includes(String(input.default)))
      at.fail([...path, 'inputs', name, 'default'], `"${String(input.default)}" is not one of the choices`);
  }
  if ((runnable.request === undefined) === (runnable.code === undefined))
    at.fail(path, 'needs exactly one of request or code', runnable.request ? 'code' : 'request');
  if (runnable.code !== undefined && runnable.pagination)
    at.fail([...path, 'pagination'], 'a code action pages by itself');
  if (runnable.request) checkRequest(runnable.inputs, runnable.request, path, known, at);
}

/** The absolute path of a code file named by `code`, which must exist and come along with the connector. */
function checkCodeFile(
  code: string,
  path: Path,
  at: Locator,
  file: string,
  options: LoadConnectorOptions,
): string {
  if (options.singleFile === true)
    at.fail(
      [...path, 'code'],
      `"${code}" is a file next to the connector, and a REST publish carries one file. Put the function in the connector as code: { source: | … }, or build the bundle with \`keyway components build\` and publish the bundle`,
    );
  const full = resolve(dirname(resolve(file)), code);
  if (!existsSync(full)) at.fail([...path, 'code'], `no file ${full}`);
  return full;
}

/** Checks that inline code is JavaScript, naming the line of the file a syntax error is on. */
function checkCodeSource(source: string, path: Path, at: Locator): string {
  try {
    transformSync(source, { loader: 'js', logLevel: 'silent' });
  } catch (cause) {
    const first = (cause as { errors?: { text: string; location: { line: number } | null }[] }).errors?.[0];
    const where = [...path, 'code', 'source'];
    at.fail(
      where,
      `not valid JavaScript: ${first?.text ?? String(cause)}`,
      undefined,
      at.innerLine(where, first?.location?.line ?? 0),
    );
  }
  return source;
}

/** Checks the templates of a request against the inputs (and the polling state) they may use. */
function checkRequest(
  inputs: ConnectorTrigger['inputs'],
  request: ConnectorTrigger['request'],
  path: Path,
  known: Known,
  at: Locator,
  state: readonly string[] = [],
): void {
  for (const [text, where] of stringsIn({
    path: request.path,
    query: request.query,
    headers: request.headers,
    body: request.body,
  }))
    checkTemplate(text, [...path, 'request', ...where], known, inputs, at, state);
  // A path slot that can be empty would call another endpoint than the one meant.
  for (const ref of templateRefs(request.path).refs) {
    if (ref.scope === 'state')
      at.fail(
        [...path, 'request', 'path'],
        `{{state.${ref.name}}} is empty at the first poll; use it in query`,
      );
    const input = ref.scope === 'inputs' ? inputs[ref.name] : undefined;
    if (input && !input.required && input.default === undefined)
      at.fail(
        [...path, 'inputs', ref.name],
        `is used in the request path, so it must be required or have a default`,
      );
  }
}

/** Checks one polling trigger: its paths, its request, its default schedule. */
function checkTrigger(trigger: ConnectorTrigger, path: Path, known: Known, at: Locator): void {
  checkPath(trigger.items, [...path, 'items'], at);
  checkPath(trigger.id, [...path, 'id'], at);
  checkPath(trigger.cursor?.path, [...path, 'cursor', 'path'], at);
  checkPath(trigger.errors?.messagePath, [...path, 'errors', 'messagePath'], at);
  if (trigger.id === '$') at.fail([...path, 'id'], 'names a field of an item, e.g. $.id');
  if (trigger.cursor && trigger.cursor.path === '$')
    at.fail([...path, 'cursor', 'path'], 'names a field, e.g. $.updated_at');
  checkRequest(trigger.inputs, trigger.request, path, known, at, trigger.cursor ? ['cursor'] : []);
  const schedule = trigger.schedule;
  if ('cron' in schedule) {
    let runs = false;
    try {
      runs = new Cron(schedule.cron, { timezone: 'UTC', paused: true }).nextRun() !== null;
    } catch {
      runs = false;
    }
    if (!runs)
      at.fail([...path, 'schedule', 'cron'], `"${schedule.cron}" is not a cron expression that runs (UTC)`);
  }
}
