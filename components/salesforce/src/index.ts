/**
 * Salesforce connector: run a SOQL query, read a record, create a record.
 *
 * REST endpoints used, on the org's own host from the token response's `instance_url`
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/):
 * - `GET /services/data/vXX.X/query?q=` — resources_query.htm
 * - `GET /services/data/vXX.X/sobjects/{sObject}/{id}` — resources_sobject_retrieve_get.htm
 * - `POST /services/data/vXX.X/sobjects/{sObject}/` — dome_sobject_create.htm
 */
import { ConnectionError, action, component, input, util, type Connection } from '@prismatic-io/spectral';
import axios, { type AxiosInstance } from 'axios';
import { salesforce, toSpectralConnection } from '../../../connections';

/** Web server flow with PKCE; production or sandbox login host. */
export const salesforceOAuth = toSpectralConnection(salesforce, { grantType: 'authorization_code' });

/** The REST API version these actions were written against. */
export const API_VERSION = 'v62.0';

function client(connection: Connection): AxiosInstance {
  const token = util.types.toString(connection.token?.access_token);
  // Salesforce names the org's API host in the token response, exactly as Prismatic passes it on.
  const instanceUrl = util.types.toString(connection.token?.instance_url);
  if (token === '' || instanceUrl === '') {
    throw new ConnectionError(
      connection,
      'This Salesforce connection has no access token or instance URL; connect it first.',
    );
  }
  return axios.create({
    baseURL: `${instanceUrl.replace(/\/+$/, '')}/services/data/${API_VERSION}`,
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
}

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });
const sObjectInput = input({
  label: 'Object type',
  type: 'string',
  required: true,
  example: 'Account',
  clean: util.types.toString,
});

const query = action({
  display: { label: 'Query (SOQL)', description: 'Run a SOQL query and return the first page of records.' },
  inputs: {
    connection: connectionInput,
    soql: input({
      label: 'SOQL',
      type: 'text',
      required: true,
      example: 'SELECT Id, Name FROM Account LIMIT 10',
      clean: util.types.toString,
    }),
  },
  perform: async (_context, { connection, soql }) => {
    const { data } = await client(connection).get<Record<string, unknown>>('/query', { params: { q: soql } });
    return { data };
  },
});

const getRecord = action({
  display: { label: 'Get record', description: 'Read one record by its id.' },
  inputs: {
    connection: connectionInput,
    sObject: sObjectInput,
    recordId: input({ label: 'Record id', type: 'string', required: true, clean: util.types.toString }),
  },
  perform: async (_context, { connection, sObject, recordId }) => {
    const { data } = await client(connection).get<Record<string, unknown>>(
      `/sobjects/${encodeURIComponent(sObject)}/${encodeURIComponent(recordId)}`,
    );
    return { data };
  },
});

const createRecord = action({
  display: { label: 'Create record', description: 'Create a record from a JSON object of field values.' },
  inputs: {
    connection: connectionInput,
    sObject: sObjectInput,
    fields: input({
      label: 'Fields (JSON)',
      type: 'code',
      language: 'json',
      required: true,
      example: '{"Name": "Acme"}',
      clean: (value) => util.types.toObject(value) as Record<string, unknown>,
    }),
  },
  perform: async (_context, { connection, sObject, fields }) => {
    const { data } = await client(connection).post<Record<string, unknown>>(
      `/sobjects/${encodeURIComponent(sObject)}/`,
      fields,
    );
    return { data };
  },
});

export default component({
  key: 'salesforce',
  public: false,
  display: {
    label: 'Salesforce',
    description: 'Query, read and create Salesforce records.',
    iconPath: 'icon.png',
  },
  connections: [salesforceOAuth],
  actions: { query, getRecord, createRecord },
});
