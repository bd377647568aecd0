import { testing } from '@prismatic-io/spectral';
import { resolveConnection } from '../../../connections';
import {
  connectionValue,
  loadBuiltComponent,
  type BuiltComponent,
} from '../../../test/support/built-components';
import { startSalesforceFake, type SalesforceFake } from '../../../test/support/vendors/salesforce';

let fake: SalesforceFake;
let built: BuiltComponent;

beforeAll(async () => {
  fake = await startSalesforceFake();
  built = loadBuiltComponent('salesforce');
});
afterAll(() => fake.close());

function connectionFor(accessToken: string) {
  // The instance URL comes from the token response, exactly as Prismatic hands it to the component.
  return connectionValue(
    built,
    'salesforceOAuth',
    {},
    { access_token: accessToken, instance_url: fake.urls.instanceUrl },
  );
}

describe('Salesforce component bundle', () => {
  it('loads from dist with an authorization_code + S256 connection on production or sandbox hosts', () => {
    expect(built.key).toBe('salesforce');
    expect(Object.keys(built.actions).sort()).toEqual(['createRecord', 'getRecord', 'query']);
    const [definition] = built.connections;
    expect(definition).toMatchObject({
      key: 'salesforceOAuth',
      oauth2Type: 'authorization_code',
      oauth2PkceMethod: 'S256',
    });
    const creds = { clientId: 'a', clientSecret: 'b' };
    expect(resolveConnection(definition, creds).tokenUrl).toBe(
      'https://login.salesforce.com/services/oauth2/token',
    );
    expect(resolveConnection(definition, { ...creds, environment: 'sandbox' }).tokenUrl).toBe(
      'https://test.salesforce.com/services/oauth2/token',
    );
    expect(resolveConnection(definition, creds).tokenResponse.keepFields).toContain('instance_url');
  });

  it('runs a SOQL query against the instance URL from the token', async () => {
    fake.book.addAccessToken('00Dvalid!1');
    const { result } = await testing.invoke(built.actions.query as never, {
      connection: connectionFor('00Dvalid!1'),
      soql: 'SELECT Id, Name FROM Account',
    });
    expect(result).toEqual({
      data: expect.objectContaining({
        totalSize: 1,
        done: true,
        records: [expect.objectContaining({ Name: 'Edge Communications' })],
      }),
    });
    expect(fake.requests.at(-1)?.path).toBe('/services/data/v62.0/query');
  });

  it('creates a record and reads it back', async () => {
    fake.book.addAccessToken('00Dvalid!2');
    const connection = connectionFor('00Dvalid!2');
    const created = await testing.invoke(built.actions.createRecord as never, {
      connection,
      sObject: 'Account',
      fields: '{"Name": "Acme"}',
    });
    const id = (created.result as { data: { id: string; success: boolean } }).data.id;
    expect((created.result as { data: { success: boolean } }).data.success).toBe(true);
    const read = await testing.invoke(built.actions.getRecord as never, {
      connection,
      sObject: 'Account',
      recordId: id,
    });
    expect(read.result).toEqual({ data: expect.objectContaining({ Id: id, Name: 'Acme' }) });
  });

  it('fails with HTTP 401 INVALID_SESSION_ID once the token is revoked', async () => {
    fake.book.addAccessToken('00Drevoked!1');
    fake.book.revokeGrantOf('00Drevoked!1');
    await expect(
      testing.invoke(built.actions.query as never, {
        connection: connectionFor('00Drevoked!1'),
        soql: 'SELECT Id FROM Account',
      }),
    ).rejects.toMatchObject({ response: { status: 401, data: [{ errorCode: 'INVALID_SESSION_ID' }] } });
  });

  it('reports a token without instance_url as a spectral connection error', async () => {
    const value = connectionValue(built, 'salesforceOAuth', {}, { access_token: '00Dvalid!3' });
    await expect(
      testing.invoke(built.actions.query as never, { connection: value, soql: 'SELECT Id FROM Account' }),
    ).rejects.toMatchObject({ isSpectralError: true });
  });
});
