/**
 * Smartenit connector: discover devices, link one to the account, register a device. Four connections, one per
 * grant Smartenit documents (https://docs.smartenit.io/display/SMAR/Authentication+and+Authorization):
 * authorization code (a person signs in), resource owner password (the client authenticates first, then the
 * user's credentials are checked), client credentials (the app itself), and the legacy implicit grant, offered
 * only by its own opt-in connection.
 *
 * API (`https://api.smartenit.io/v2`, bearer token):
 * - `POST /devices/discover` — gateways and Wi-Fi devices that can be linked:
 *   https://docs.smartenit.io/display/SMAR/Discover+and+Link+Devices+to+Account
 * - `POST /devices/link` with `{ deviceId }` — link a discovered device to the account:
 *   https://docs.smartenit.io/display/SMAR/Discover+and+Link+Devices+to+Account
 * - `POST /devices` with `{ name, type, hwId }` — register a device (a client-credentials token is enough):
 *   https://docs.smartenit.io/display/SMAR/Device+Registration+Flow
 */
import { ConnectionError, action, component, input, util, type Connection } from '@prismatic-io/spectral';
import axios, { type AxiosInstance } from 'axios';
import { smartenit, toSpectralConnection } from '../../../connections';

/** A person signs in at Smartenit. */
export const smartenitOAuth = toSpectralConnection(smartenit, { grantType: 'authorization_code' });
/** The account owner's username and password, sent with the client's own credentials. */
export const smartenitPassword = toSpectralConnection(smartenit, { grantType: 'password' });
/** The app itself (device registration), no user. */
export const smartenitClientCredentials = toSpectralConnection(smartenit, {
  grantType: 'client_credentials',
});
/** Legacy browser apps only: the token comes back in the redirect's fragment. Opt-in by choosing it. */
export const smartenitImplicit = toSpectralConnection(smartenit, {
  grantType: 'implicit',
  label: 'Smartenit (legacy implicit grant)',
});

const DEFAULT_API = 'https://api.smartenit.io/v2';

function client(connection: Connection): AxiosInstance {
  const token = util.types.toString(connection.token?.access_token);
  if (token === '')
    throw new ConnectionError(connection, 'This Smartenit connection has no access token yet.');
  const baseURL = util.types.toString(connection.fields.apiBaseUrl) || DEFAULT_API;
  return axios.create({ baseURL, headers: { Authorization: `Bearer ${token}` } });
}

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

const discoverDevices = action({
  display: { label: 'Discover devices', description: 'Gateways and Wi-Fi devices that can be linked.' },
  inputs: { connection: connectionInput },
  perform: async (_context, { connection }) => {
    const { data } = await client(connection).post<{ data: unknown }>('/devices/discover');
    return { data: data.data };
  },
});

const linkDevice = action({
  display: { label: 'Link device', description: 'Link a discovered device to the account.' },
  inputs: {
    connection: connectionInput,
    deviceId: input({ label: 'Device ID', type: 'string', required: true, clean: util.types.toString }),
  },
  perform: async (_context, { connection, deviceId }) => {
    const { data } = await client(connection).post<{ data: unknown }>('/devices/link', { deviceId });
    return { data: data.data };
  },
});

const registerDevice = action({
  display: { label: 'Register device', description: 'Register a device by its hardware id.' },
  inputs: {
    connection: connectionInput,
    name: input({ label: 'Name', type: 'string', required: true, clean: util.types.toString }),
    type: input({
      label: 'Type',
      type: 'string',
      required: false,
      default: 'wifi',
      clean: (value) => util.types.toString(value) || 'wifi',
    }),
    hwId: input({ label: 'Hardware ID', type: 'string', required: true, clean: util.types.toString }),
  },
  perform: async (_context, { connection, name, type, hwId }) => {
    const { data } = await client(connection).post<{ data: unknown }>('/devices', { name, type, hwId });
    return { data: data.data };
  },
});

export default component({
  key: 'smartenit',
  public: false,
  display: {
    label: 'Smartenit',
    description: 'Discover, link and register Smartenit devices.',
    iconPath: 'icon.png',
  },
  connections: [smartenitOAuth, smartenitPassword, smartenitClientCredentials, smartenitImplicit],
  actions: { discoverDevices, linkDevice, registerDevice },
});
