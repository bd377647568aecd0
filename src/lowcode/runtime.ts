/**
 * The interpreter inside every low-code connector bundle: turns a {@link CompiledConnector} into a spectral
 * component whose actions, data sources and polling triggers make the declared HTTP requests. It uses only spectral and axios
 * (and this folder's template and JSON path helpers), so the bundle runs wherever a spectral component runs.
 */
import { action, component, dataSource, input, pollingTrigger, util } from '@prismatic-io/spectral';
import type { Connection } from '@prismatic-io/spectral';
import axios from 'axios';
import type { AxiosAdapter, AxiosResponse } from 'axios';
import type { CompiledConnector, ConnectorInput, ConnectorRunnable, ConnectorTrigger } from './definition';
import { parseJsonPath, selectPath } from './json-path';
import type { PathStep } from './json-path';
import { nextPoll, readPollState } from './poll-state';
import type { PollSpec } from './poll-state';
import { renderJson, renderString } from './template';
import type { TemplateValues } from './template';

/** What a code action's function receives. */
export interface CodeActionContext {
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The connection's fields (never its tokens). */
  readonly connection: Readonly<Record<string, unknown>>;
  /** axios with the connector's base URL, headers and authorization set. */
  readonly http: ReturnType<typeof axios.create>;
}

/** A code action: the function of the action's `code` (a file, or source in the connector file). */
export type CodeAction = (context: CodeActionContext) => Promise<unknown>;

/** Options of {@link lowCodeComponent}; a built bundle passes none. */
export interface LowCodeOptions {
  /** Answers every request instead of the network (tests and the bench; an axios adapter). */
  readonly adapter?: AxiosAdapter;
}

/** The part of every request config that {@link LowCodeOptions} sets. */
type Transport = { readonly adapter?: AxiosAdapter };

/** A vendor error answer: `status` lets the runtime refresh and retry on 401. */
export class VendorError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'VendorError';
    this.status = status;
  }
}

/** A rendered value as request text: strings as they are, anything else as JSON, unset as "". */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  return value === undefined || value === null ? '' : JSON.stringify(value);
}

const SECRET_TOKEN_FIELDS = new Set(['access_token', 'refresh_token', 'id_token']);

/** A runnable with its paths parsed once, when the bundle loads. */
interface Prepared {
  readonly def: ConnectorRunnable;
  readonly response: readonly PathStep[];
  readonly cursor?: readonly PathStep[];
  readonly message?: readonly PathStep[];
  readonly picklist?: { readonly label: readonly PathStep[]; readonly value: readonly PathStep[] };
}

function path(text: string): PathStep[] {
  const steps = parseJsonPath(text);
  if (!steps) throw new Error(`Invalid JSON path ${text}`);
  return steps;
}

function prepare(def: ConnectorRunnable): Prepared {
  return {
    def,
    response: path(def.response),
    ...(def.pagination?.type === 'cursor' ? { cursor: path(def.pagination.cursorPath) } : {}),
    ...(def.errors?.messagePath !== undefined ? { message: path(def.errors.messagePath) } : {}),
    ...(def.picklist
      ? { picklist: { label: path(def.picklist.label), value: path(def.picklist.value) } }
      : {}),
  };
}

function cleanerOf(spec: ConnectorInput): (value: unknown) => unknown {
  switch (spec.type) {
    case 'integer':
      return (value) => (value === '' || value === undefined ? undefined : util.types.toInt(value));
    case 'number':
      return (value) => (value === '' || value === undefined ? undefined : util.types.toNumber(value));
    case 'boolean':
      return (value) => (value === '' || value === undefined ? undefined : util.types.toBool(value));
    default:
      return (value) => (value === undefined ? undefined : util.types.toString(value));
  }
}

function spectralInputs(inputs: Readonly<Record<string, ConnectorInput>>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    connection: input({ label: 'Connection', type: 'connection', required: true }),
  };
  for (const [name, spec] of Object.entries(inputs)) {
    const field = {
      label: spec.label ?? name,
      type: spec.type === 'text' ? 'text' : spec.type === 'password' ? 'password' : 'string',
      required: spec.required,
      ...(spec.default !== undefined ? { default: String(spec.default) } : {}),
      ...(spec.comments !== undefined ? { comments: spec.comments } : {}),
      ...(spec.example !== undefined ? { example: spec.example } : {}),
      ...(spec.choices
        ? {
            model: spec.choices.map((choice) =>
              typeof choice === 'string' ? { label: choice, value: choice } : choice,
            ),
          }
        : {}),
      clean: cleanerOf(spec),
    };
    // spectral's input() is typed per literal `type`; this one is chosen at run time.
    out[name] = input(field as never);
  }
  return out;
}

function templateValues(params: Record<string, unknown>): TemplateValues {
  const connection = params['connection'] as Connection;
  const token: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(connection.token ?? {}))
    if (!SECRET_TOKEN_FIELDS.has(name)) token[name] = value;
  return { inputs: params, connection: connection.fields, token };
}

function headersOf(
  connector: CompiledConnector,
  extra: Readonly<Record<string, string>>,
  values: TemplateValues,
  connection: Connection,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...connector.headers, ...extra })) {
    const text = textOf(renderString(value, values));
    if (text !== '') headers[name] = text;
  }
  if (connector.auth === 'bearer') {
    const token = util.types.toString(connection.token?.access_token);
    if (token === '') throw new Error('This connection has no access token yet; connect it first.');
    headers['Authorization'] = `Bearer ${token}`;
  }
  return headers;
}

/** The URL of the `rel="next"` member of a Link header (RFC 8288). */
export function nextLink(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (match && /\brel="?([^"]*\s)?next(\s[^"]*)?"?(;|$)/.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}

function vendorError(prepared: Prepared, response: AxiosResponse): VendorError {
  const mapped = prepared.def.errors?.byStatus[String(response.status)];
  const said = prepared.message ? selectPath(response.data, prepared.message) : undefined;
  const vendor = typeof said === 'string' && said !== '' ? said : undefined;
  const parts = [mapped, vendor].filter((part) => part !== undefined);
  const text = parts.length > 0 ? parts.join(': ') : `The vendor answered HTTP ${response.status}`;
  return new VendorError(`${text} (HTTP ${response.status})`, response.status);
}

interface Page {
  readonly url: string;
  readonly params: Record<string, unknown>;
}

function firstPage(connector: CompiledConnector, def: ConnectorRunnable, values: TemplateValues): Page {
  const request = def.request;
  if (!request) throw new Error('This action has no request');
  const base = textOf(renderString(connector.baseUrl, values)).replace(/\/+$/, '');
  const url = `${base}${textOf(renderString(request.path, values, encodeURIComponent))}`;
  const params: Record<string, unknown> = {};
  for (const [name, template] of Object.entries(request.query)) {
    const value = renderString(template, values);
    if (value !== undefined && value !== null && value !== '') params[name] = value;
  }
  const pagination = def.pagination;
  if (pagination?.type === 'offset') {
    params[pagination.offsetParam] = 0;
    params[pagination.limitParam] = pagination.pageSize;
  }
  return { url, params };
}

/** The next page to ask for, or undefined when the list is complete. */
function nextPage(prepared: Prepared, page: Page, response: AxiosResponse, items: unknown): Page | undefined {
  const pagination = prepared.def.pagination;
  if (!pagination) return undefined;
  if (pagination.type === 'link') {
    const link = nextLink(response.headers['link']);
    if (link === undefined) return undefined;
    const next = new URL(link, page.url);
    // The bearer token goes only where the first request went.
    if (next.origin !== new URL(page.url).origin) throw new Error(`Refusing a next page on ${next.origin}`);
    return { url: next.toString(), params: {} };
  }
  if (pagination.type === 'cursor') {
    const cursor = selectPath(response.data, prepared.cursor ?? []);
    if (cursor === undefined || cursor === null || cursor === '') return undefined;
    return { url: page.url, params: { ...page.params, [pagination.cursorParam]: cursor } };
  }
  if (!Array.isArray(items) || items.length < pagination.pageSize) return undefined;
  const offset = Number(page.params[pagination.offsetParam] ?? 0) + pagination.pageSize;
  return { url: page.url, params: { ...page.params, [pagination.offsetParam]: offset } };
}

async function runRequest(
  connector: CompiledConnector,
  prepared: Prepared,
  values: TemplateValues,
  connection: Connection,
  transport: Transport,
): Promise<{ items: unknown; body: unknown }> {
  const def = prepared.def;
  const request = def.request;
  if (!request) throw new Error('This action has no request');
  const headers = headersOf(connector, request.headers, values, connection);
  const rendered = request.body === undefined ? undefined : renderJson(request.body, values);
  const data =
    rendered !== undefined && request.bodyFormat === 'form'
      ? new URLSearchParams(
          Object.entries(rendered as Record<string, unknown>).map(([k, v]): [string, string] => [
            k,
            String(v),
          ]),
        )
      : rendered;
  let page: Page | undefined = firstPage(connector, def, values);
  const maxPages = def.pagination?.maxPages ?? 1;
  const collected: unknown[] = [];
  for (let n = 0; page !== undefined && n < maxPages; n += 1) {
    const response: AxiosResponse = await axios.request({
      method: request.method,
      url: page.url,
      params: page.params,
      headers,
      data,
      validateStatus: () => true,
      ...transport,
    });
    if (response.status >= 400) throw vendorError(prepared, response);
    const items = selectPath(response.data, prepared.response);
    if (!def.pagination) return { items, body: response.data };
    if (Array.isArray(items)) collected.push(...(items as unknown[]));
    page = nextPage(prepared, page, response, items);
  }
  return { items: collected, body: undefined };
}

function codeContext(
  connector: CompiledConnector,
  params: Record<string, unknown>,
  transport: Transport,
): CodeActionContext {
  const connection = params['connection'] as Connection;
  const values = templateValues(params);
  const { connection: _omit, ...inputs } = params;
  return {
    inputs,
    connection: connection.fields,
    http: axios.create({
      baseURL: textOf(renderString(connector.baseUrl, values)),
      headers: headersOf(connector, {}, values, connection),
      ...transport,
    }),
  };
}

function performOf(
  connector: CompiledConnector,
  prepared: Prepared,
  code: CodeAction | undefined,
  transport: Transport,
): (params: Record<string, unknown>) => Promise<unknown> {
  if (prepared.def.code !== undefined) {
    if (!code) throw new Error('The code of this action was not bundled');
    return (params) => code(codeContext(connector, params, transport));
  }
  return async (params) => {
    const connection = params['connection'] as Connection;
    const values = templateValues(params);
    return (await runRequest(connector, prepared, values, connection, transport)).items;
  };
}

/**
 * A polling trigger: one request per poll with the stored cursor, the new items delivered as the payload's body
 * and the state saved with `context.polling` (./poll-state.ts). `defaultSchedule` rides along on the trigger
 * object (spectral passes unknown members through); Keyway uses it when the trigger is enabled without a schedule.
 */
function triggerOf(
  connector: CompiledConnector,
  name: string,
  def: ConnectorTrigger,
  transport: Transport,
): unknown {
  const prepared = prepare({
    inputs: def.inputs,
    request: def.request,
    response: def.items,
    ...(def.errors ? { errors: def.errors } : {}),
  });
  const spec: PollSpec = {
    id: path(def.id),
    remember: def.remember,
    ...(def.cursor ? { cursor: { from: def.cursor.from, path: path(def.cursor.path) } } : {}),
  };
  const definition = pollingTrigger({
    display: { label: def.label ?? name, description: def.description ?? def.label ?? name },
    inputs: spectralInputs(def.inputs) as never,
    perform: async (context, payload, params) => {
      const state = readPollState(context.polling.getState());
      const all = params as Record<string, unknown>;
      const connection = all['connection'] as Connection;
      const values: TemplateValues = {
        ...templateValues(all),
        state: state.cursor === undefined ? {} : { cursor: state.cursor },
      };
      const { items, body } = await runRequest(connector, prepared, values, connection, transport);
      if (!Array.isArray(items)) throw new Error(`${def.items} is not a list in the vendor's answer`);
      const next = nextPoll(state, body, items, spec);
      context.polling.setState({ ...next.state });
      return {
        payload: { ...payload, body: { data: next.items } },
        polledNoChanges: next.items.length === 0,
      };
    },
  });
  return { ...definition, defaultSchedule: def.schedule };
}

function toChoices(prepared: Prepared, items: unknown): { key: string; label: string }[] {
  const list = Array.isArray(items) ? items : [];
  return list.map((item) => {
    const value = selectPath(item, prepared.picklist?.value ?? []);
    const label = selectPath(item, prepared.picklist?.label ?? []);
    return { key: String(value), label: String(label ?? value) };
  });
}

/**
 * The spectral component of a compiled connector. `code` holds the functions of code actions and data sources,
 * by `actions.<key>` and `dataSources.<key>`.
 */
export function lowCodeComponent(
  connector: CompiledConnector,
  code: Readonly<Record<string, CodeAction>> = {},
  options: LowCodeOptions = {},
): ReturnType<typeof component> {
  const transport: Transport = options.adapter ? { adapter: options.adapter } : {};
  const actions: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(connector.actions)) {
    const run = performOf(connector, prepare(def), code[`actions.${name}`], transport);
    actions[name] = action({
      display: { label: def.label ?? name, description: def.description ?? def.label ?? name },
      inputs: spectralInputs(def.inputs) as never,
      perform: async (_context, params) => ({ data: await run(params as Record<string, unknown>) }),
    });
  }
  const dataSources: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(connector.dataSources)) {
    const prepared = prepare(def);
    const run = performOf(connector, prepared, code[`dataSources.${name}`], transport);
    dataSources[name] = dataSource({
      display: { label: def.label ?? name, description: def.description ?? def.label ?? name },
      dataSourceType: 'picklist',
      inputs: spectralInputs(def.inputs) as never,
      perform: async (_context, params) => ({
        result: toChoices(prepared, await run(params as Record<string, unknown>)),
      }),
    });
  }
  const triggers: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(connector.triggers))
    triggers[name] = triggerOf(connector, name, def, transport);
  return component({
    key: connector.key,
    public: false,
    display: {
      label: connector.label,
      description: connector.description || connector.label,
      iconPath: 'icon.png',
    },
    connections: connector.connections as never,
    actions: actions as never,
    dataSources: dataSources as never,
    triggers: triggers as never,
  });
}
