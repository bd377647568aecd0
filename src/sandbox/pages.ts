/** The sandbox's own HTTP answers: the consent page, JSON bodies, and reading a small JSON request. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionDetails } from './oidc-provider-types';
import { SANDBOX_ACCOUNT } from './types';

/** Reads a JSON body of at most 10 kB; undefined when it is larger or not JSON. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > 10_000) return undefined;
    chunks.push(buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** An HTML answer that is never cached nor framed. */
export function sendHtml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // No form-action: browsers apply it to the redirects after the POST, which end at the client's origin.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
  });
  res.end(body);
}

/** The interactive mode's page: who is signed in, which client asks for which scopes, Approve / Deny. */
export function consentPage(details: InteractionDetails): string {
  const uid = encodeURIComponent(details.uid);
  const clientId = escapeHtml(String(details.params.client_id));
  const scope = typeof details.params.scope === 'string' ? details.params.scope : '';
  const scopes = scope
    .split(' ')
    .filter((s) => s !== '')
    .map((s) => `<li><code>${escapeHtml(s)}</code></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keyway sandbox: allow access?</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}
.card{border:1px solid #ccc;border-radius:8px;padding:1.5rem}button{font:inherit;padding:.5rem 1.25rem;margin-right:.5rem;border-radius:6px;border:1px solid #888;cursor:pointer}
button[value=approve]{background:#1a7f37;color:#fff;border-color:#1a7f37}</style></head>
<body><main class="card"><p>Keyway sandbox authorization server</p>
<h1>Allow access?</h1>
<p>Signed in as <strong>${escapeHtml(SANDBOX_ACCOUNT.name)}</strong> (${escapeHtml(SANDBOX_ACCOUNT.email)}).</p>
<p>The application <strong>${clientId}</strong> asks for:</p><ul>${scopes || '<li>no scopes</li>'}</ul>
<form method="post" action="/interaction/${uid}/approve" style="display:inline"><button type="submit" name="decision" value="approve">Approve</button></form>
<form method="post" action="/interaction/${uid}/deny" style="display:inline"><button type="submit" name="decision" value="deny">Deny</button></form>
</main></body></html>`;
}

/** A JSON answer that is never cached. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
