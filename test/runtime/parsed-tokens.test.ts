/**
 * The credential manager's per-connection entry: a stored token set parsed once per (frozen) row object, and
 * a servable verdict that holds only for that very row. Unit-level: the parse is counted.
 */
import type { TokenSet } from '../../src/oauth';
import { ParsedTokens } from '../../src/runtime/parsed-tokens';
import type { Connection } from '../../src/store';

function row(id: string, accessToken: string): Connection {
  return {
    id,
    instanceId: 'i',
    name: 'crm',
    componentKey: 'c',
    definitionKey: 'd',
    grantType: 'authorization_code',
    fields: {},
    secretFields: {},
    tokenSet: { accessToken, tokenType: 'bearer', expiresAt: 10_000, raw: { access_token: accessToken } },
    context: {},
    expiresAt: 10_000,
    refreshAt: null,
    scopes: [],
    status: 'connected',
    lastError: null,
    version: 1,
    refreshFailures: 0,
    cooldownUntil: null,
    createdAt: 0,
    updatedAt: 0,
    connectedAt: 0,
  };
}

function counting(): { tokens: ParsedTokens; parses: () => number } {
  let parses = 0;
  const tokens = new ParsedTokens((r) => {
    parses++;
    return r.tokenSet as unknown as TokenSet;
  });
  return { tokens, parses: () => parses };
}

describe('ParsedTokens', () => {
  it('parses a frozen row once, and a new row object of the same connection afresh', () => {
    const { tokens, parses } = counting();
    const first = Object.freeze(row('a', 'one'));
    expect(tokens.of(first)?.token.accessToken).toBe('one');
    expect(tokens.of(first)?.token).toBe(tokens.of(first)?.token);
    expect(parses()).toBe(1);
    const changed = Object.freeze(row('a', 'two'));
    expect(tokens.of(changed)?.token.accessToken).toBe('two');
    expect(parses()).toBe(2);
  });

  it('parses a row that is not frozen on every call (it could change under an entry)', () => {
    const { tokens, parses } = counting();
    const mutable = row('a', 'one');
    tokens.of(mutable);
    tokens.of(mutable);
    expect(parses()).toBe(2);
  });

  it('serves a token marked servable only for that row object and only before its time', () => {
    const { tokens } = counting();
    const first = Object.freeze(row('a', 'one'));
    tokens.of(first);
    expect(tokens.servable(first, 0)).toBeUndefined();
    tokens.markServable(first, 5_000);
    expect(tokens.servable(first, 4_999)?.accessToken).toBe('one');
    expect(tokens.servable(first, 5_000)).toBeUndefined();
    // The same connection read again (a refresh, a disconnect) is another object: decided afresh.
    expect(tokens.servable(Object.freeze(row('a', 'one')), 0)).toBeUndefined();
  });
});
