/** The token endpoint authentication methods Keyway speaks. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_secret_query' | 'none';

/**
 * How a client authenticates to the token, revocation and device authorization endpoints: a strategy
 * applied to a request, so the request builders never branch on it. The secret lives in a closure,
 * out of reach of `JSON.stringify` and enumeration.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */
export interface ClientAuth {
  readonly method: ClientAuthMethod;
  /**
   * Adds the client's credentials to a form body and headers, returning new copies; `query`, when present,
   * holds parameters to add to the endpoint URL's query string.
   */
  apply(
    clientId: string,
    body: URLSearchParams,
    headers: Readonly<Record<string, string>>,
  ): { body: URLSearchParams; headers: Record<string, string>; query?: URLSearchParams };
  /** The secrets this strategy holds, so error messages can be scrubbed of them. */
  secrets(): readonly string[];
}

/** `application/x-www-form-urlencoded` encoding of one value (space as `+`), as RFC 6749 §2.3.1 demands. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * HTTP Basic: the client id and secret are each form-urlencoded, then joined with `:` and base64-encoded.
 * Skipping the form-encoding breaks any id or secret containing `:`, `%`, `+` or non-ASCII characters.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function clientSecretBasic(clientSecret: string): ClientAuth {
  return {
    method: 'client_secret_basic',
    apply(clientId, body, headers) {
      const credentials = Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString(
        'base64',
      );
      return {
        body: new URLSearchParams(body),
        headers: { ...headers, authorization: `Basic ${credentials}` },
      };
    },
    secrets: () => [clientSecret],
  };
}

/**
 * Credentials in the request body (`client_id` and `client_secret`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function clientSecretPost(clientSecret: string): ClientAuth {
  return {
    method: 'client_secret_post',
    apply(clientId, body, headers) {
      const out = new URLSearchParams(body);
      out.set('client_id', clientId);
      out.set('client_secret', clientSecret);
      return { body: out, headers: { ...headers } };
    },
    secrets: () => [clientSecret],
  };
}

/**
 * Credentials in the endpoint URL's query string (`?client_id=…&client_secret=…`), as some providers and the
 * client-credentials example of common OAuth guides want. Never a default: a secret in a URL ends up in
 * proxy and server access logs, so a definition or connection must name this method. Keyway itself never
 * logs a URL's query (errors name origin and path only), and `client_secret=…` is redacted from any text.
 */
export function clientSecretQuery(clientSecret: string): ClientAuth {
  return {
    method: 'client_secret_query',
    apply(clientId, body, headers) {
      const query = new URLSearchParams({ client_id: clientId, client_secret: clientSecret });
      return { body: new URLSearchParams(body), headers: { ...headers }, query };
    },
    secrets: () => [clientSecret],
  };
}

/**
 * A public client: only `client_id` in the body. Use with PKCE.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2.1
 */
export function none(): ClientAuth {
  return {
    method: 'none',
    apply(clientId, body, headers) {
      const out = new URLSearchParams(body);
      out.set('client_id', clientId);
      return { body: out, headers: { ...headers } };
    },
    secrets: () => [],
  };
}

/** Builds the strategy named by a definition's data (`clientAuthMethod`). */
export function clientAuthFor(method: ClientAuthMethod, clientSecret: string | undefined): ClientAuth {
  const secret = clientSecret ?? '';
  switch (method) {
    case 'none':
      return none();
    case 'client_secret_basic':
      return clientSecretBasic(secret);
    case 'client_secret_query':
      return clientSecretQuery(secret);
    case 'client_secret_post':
      return clientSecretPost(secret);
  }
}
