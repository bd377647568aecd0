/**
 * The target the audit log records for a change made through `/api`: the resource the path names, else the one
 * the response returns — by id, or by its keys when it has no id (OAuth apps, provider apps, components).
 */
import { auditTarget } from '../../src/server/api/route';

describe('auditTarget', () => {
  it('names the resource in the path before the one in the response', () => {
    expect(auditTarget({ id: 'inst-1', name: 'svc' }, { connection: { id: 'conn-9' } })).toBe('inst-1');
    expect(auditTarget({ componentKey: 'crm', definitionKey: 'oauth' }, { connectionsUpdated: 2 })).toBe(
      'crm/oauth',
    );
    expect(auditTarget({ providerKey: 'github' }, { deleted: { providerKey: 'github' } })).toBe('github');
  });

  it('names what a response returns: its id, else its keys', () => {
    expect(auditTarget({}, { apiKey: { id: 'key-1', name: 'ci' }, key: 'kw_secret' })).toBe('key-1');
    expect(auditTarget({}, { component: { key: 'crm', version: 3 } })).toBe('crm');
    expect(
      auditTarget({}, { oauthApp: { componentKey: 'crm', definitionKey: 'oauth' }, connectionsUpdated: 0 }),
    ).toBe('crm/oauth');
    expect(auditTarget({}, { providerOAuthApp: { providerKey: 'github' }, connectionsUpdated: 0 })).toBe(
      'github',
    );
  });

  it('is null when nothing is named, and never a string value of the response such as a new key', () => {
    expect(auditTarget({}, { key: 'kw_secret', delivered: true })).toBeNull();
    expect(auditTarget({}, undefined)).toBeNull();
  });
});
