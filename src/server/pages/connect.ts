/**
 * The connect page and the pages of its flows: result, device code, popup completion. Plain server-rendered
 * HTML; every value from a provider, the store or the user is escaped by {@link html}.
 */
import { html, scriptJson } from './html';
import type { SafeHtml } from './html';
import { layout } from './layout';
import type { Branding } from './layout';
import type { ConnectionView, DeviceFlowView, FormFieldView, InstanceView } from '../ports';

/** Shared by every page render. */
export interface PageContext {
  readonly branding: Branding;
  readonly nonce: string;
}

const STATUS_LABELS: Record<ConnectionView['status'], string> = {
  pending: 'Not connected',
  disconnected: 'Not connected',
  connected: 'Connected',
  needs_reauthorization: 'Needs reauthorization',
  error: 'Error',
};

/** A UTC timestamp people can read, stable across server locales. */
export function formatTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function grantLabel(grantType: string): string {
  switch (grantType) {
    case 'authorization_code':
      return 'Sign in with the provider';
    case 'client_credentials':
      return 'Client credentials';
    case 'password':
      return 'Username and password';
    case 'device_code':
      return 'Device code';
    case 'implicit':
      return 'Sign in with the provider (legacy)';
    default:
      return grantType;
  }
}

/** One form field: a select (an environment), or a text or password input (never showing a secret back). */
function formField(connection: ConnectionView, field: FormFieldView): SafeHtml {
  const id = `${connection.id}-${field.key}`;
  const label = html`<label for="${id}">${field.label}${field.required ? '' : ' (optional)'}</label>`;
  const comments = field.comments ? html`<div class="muted">${field.comments}</div>` : '';
  if (field.type === 'select') {
    return html`${label}
      <select id="${id}" name="${field.key}" ${field.required ? 'required' : ''}>
        ${(field.options ?? []).map(
          (option) =>
            html`<option value="${option.value}" ${option.value === field.value ? 'selected' : ''}>
              ${option.label}
            </option>`,
        )}
      </select>
      ${comments}`;
  }
  const value = field.type === 'password' ? undefined : field.value;
  return html`${label}
    <input
      id="${id}"
      name="${field.key}"
      type="${field.type === 'password' ? 'password' : 'text'}"
      autocomplete="off"
      ${value !== undefined ? html`value="${value}"` : ''}
      ${field.pattern !== undefined ? html`pattern="${field.pattern}"` : ''}
      ${field.example !== undefined ? html`placeholder="${field.example}"` : ''}
      ${field.required ? 'required' : ''}
    />
    ${comments}`;
}

function connectionCard(connection: ConnectionView, base: string, csrf: string): SafeHtml {
  const action = `${base}/c/${encodeURIComponent(connection.id)}`;
  const isConnected = connection.status === 'connected';
  const hasCredentials = connection.status !== 'pending' && connection.status !== 'disconnected';
  const headingId = `conn-${connection.id}`;
  const csrfInput = html`<input type="hidden" name="_csrf" value="${csrf}" />`;

  let connect: SafeHtml | string = '';
  const verb = hasCredentials ? 'Reconnect' : 'Connect';
  if (connection.grantType === 'authorization_code' || connection.grantType === 'implicit') {
    connect = html`<form method="post" action="${action}/authorize">
      ${csrfInput} ${connection.formFields.map((field) => formField(connection, field))}
      <p><button type="submit" aria-describedby="${headingId}">${verb}</button></p>
    </form>`;
  } else if (connection.grantType === 'device_code') {
    connect = html`<form method="post" action="${action}/device">
      ${csrfInput} ${connection.formFields.map((field) => formField(connection, field))}
      <p><button type="submit" aria-describedby="${headingId}">${verb} with a code</button></p>
    </form>`;
  } else if (connection.grantType === 'client_credentials' || connection.grantType === 'password') {
    connect = html`<form method="post" action="${action}/credentials">
      ${csrfInput} ${connection.formFields.map((field) => formField(connection, field))}
      <p><button type="submit" aria-describedby="${headingId}">${verb}</button></p>
    </form>`;
  }

  const disconnect = hasCredentials
    ? html`<form method="post" action="${action}/disconnect">
        ${csrfInput}
        <button type="submit" class="secondary" aria-describedby="${headingId}">Disconnect</button>
      </form>`
    : '';

  return html`<section class="card" aria-labelledby="${headingId}" data-connection="${connection.name}">
    <h2 id="${headingId}">${connection.label}</h2>
    <p class="muted">${connection.providerName} · ${grantLabel(connection.grantType)}</p>
    <p>
      <span class="status status-${connection.status}" data-status="${connection.status}"
        >${STATUS_LABELS[connection.status]}</span
      >
      ${isConnected && connection.connectedAt !== null ? html` <span class="muted">since ${formatTime(connection.connectedAt)}</span>` : ''}
    </p>
    ${connection.status === 'error' && connection.lastError ? html`<p role="alert">Reason: ${connection.lastError.message}</p>` : ''}
    ${connection.status === 'needs_reauthorization' ? html`<p>Access was revoked or expired. Reconnect to restore it.</p>` : ''}
    ${
      connection.requestedScopes.length > 0
        ? html`<p>${isConnected ? 'Asked for' : 'Will ask for'}:</p>
            <ul>
              ${connection.requestedScopes.map(
                (scope) =>
                  html`<li>
                    ${scope.description ?? scope.scope}${scope.description ? html` <span class="muted">(${scope.scope})</span>` : ''}
                  </li>`,
              )}
            </ul>`
        : ''
    }
    ${isConnected && connection.grantedScopes.length > 0 ? html`<p class="muted">Granted: ${connection.grantedScopes.join(', ')}</p>` : ''}
    <div class="actions">${connect}${disconnect}</div>
  </section>`;
}

/** The connect page of one instance, limited to the connections a link covers. */
export function renderConnectPage(
  page: PageContext,
  view: InstanceView,
  options: {
    /** `/connect/<token>`: the base of every form action. */
    readonly base: string;
    readonly csrf: string;
    readonly connections: readonly ConnectionView[];
    readonly notice?: { readonly tone: 'ok' | 'bad'; readonly message: string };
    /** The settings section (./connect-config), after the connections. */
    readonly settings?: SafeHtml | '';
  },
): string {
  const body = html`<h1>${view.integrationName} wants to connect to your accounts</h1>
    <p>
      <strong>${page.branding.platformName}</strong> asks you to connect the accounts below for
      <strong>${view.name}</strong>. You can disconnect at any time from this page.
    </p>
    ${options.notice ? html`<div class="card notice ${options.notice.tone}" role="status">${options.notice.message}</div>` : ''}
    ${options.connections.length === 0 ? html`<p>There is nothing to connect here.</p>` : ''}
    ${options.connections.map((connection) => connectionCard(connection, options.base, options.csrf))}
    ${options.settings ?? ''}`;
  return layout({
    title: `Connect ${view.integrationName}`,
    branding: page.branding,
    nonce: page.nonce,
    body,
  }).value;
}

/** A page that reports how a flow ended, with a way back to the connect page. */
export function renderResultPage(
  page: PageContext,
  options: {
    readonly ok: boolean;
    readonly title: string;
    readonly message: string;
    /** Shown under the message: e.g. the provider's `error_description`, escaped like everything else. */
    readonly detail?: string;
    readonly code?: string;
    readonly backHref?: string;
  },
): string {
  const body = html`<h1>${options.title}</h1>
    <div class="card notice ${options.ok ? 'ok' : 'bad'}" role="${options.ok ? 'status' : 'alert'}">
      <p>${options.message}</p>
      ${options.detail ? html`<p class="muted">The provider said: ${options.detail}</p>` : ''}
      ${options.code ? html`<p class="muted">Error code: <code>${options.code}</code></p>` : ''}
    </div>
    ${options.backHref ? html`<p><a href="${options.backHref}">Back to your connections</a></p>` : ''}`;
  return layout({ title: options.title, branding: page.branding, nonce: page.nonce, body }).value;
}

/** `value` when it is an absolute http(s) URL, else undefined. */
function httpUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The device-code page: shows the user code and link, and reloads itself until the flow ends. */
export function renderDevicePage(
  page: PageContext,
  device: DeviceFlowView,
  options: { readonly backHref: string; readonly now: number },
): string {
  const secondsLeft = Math.max(0, Math.ceil((device.expiresAt - options.now) / 1000));
  const refresh = Math.min(10, Math.max(2, Math.ceil(device.intervalMs / 1000)));
  // The URLs come from the provider's answer: only http(s) ones become links (never `javascript:` or `data:`).
  const verification = httpUrl(device.verificationUri);
  const complete = device.verificationUriComplete ? httpUrl(device.verificationUriComplete) : undefined;
  const body = html`<h1>Enter this code at the provider</h1>
    <div class="card" aria-live="polite">
      <p>
        Open
        ${
          verification
            ? html`<a href="${verification}" target="_blank" rel="noopener noreferrer">${verification}</a>`
            : html`the provider's verification page (its address, <code>${device.verificationUri}</code>, is
                not a web link, so it is not linked here)`
        }
        on any device and enter:
      </p>
      <p class="code" data-user-code="${device.userCode}">${device.userCode}</p>
      ${
        complete
          ? html`<p>
              Or open
              <a href="${complete}" target="_blank" rel="noopener noreferrer" data-qr-link>this link</a>,
              which has the code filled in (you can turn it into a QR code for a phone).
            </p>`
          : ''
      }
      <p class="muted" role="status">
        Waiting for approval… the code expires in about ${Math.ceil(secondsLeft / 60)} minute(s). This page
        updates itself.
      </p>
    </div>
    <p><a href="${options.backHref}">Back to your connections</a></p>`;
  return layout({
    title: 'Enter the code',
    branding: page.branding,
    nonce: page.nonce,
    body,
    refreshSeconds: refresh,
  }).value;
}

/**
 * Popup mode: posts the outcome to the opener, restricted to the configured origin (never `*`), then closes.
 * Without an opener it falls back to a normal result page text.
 */
export function renderPopupPage(
  page: PageContext,
  options: {
    readonly targetOrigin: string;
    readonly message: Readonly<Record<string, string>>;
    readonly title: string;
    readonly text: string;
  },
): string {
  const script = html`(function(){var
  o=window.opener;if(o){o.postMessage(${scriptJson(options.message)},${scriptJson(
    options.targetOrigin,
  )});window.close();}})();`;
  const body = html`<h1>${options.title}</h1>
    <p role="status">${options.text} You can close this window.</p>`;
  return layout({ title: options.title, branding: page.branding, nonce: page.nonce, body, script }).value;
}

/**
 * The callback page of a legacy implicit grant. The provider put the token in the URL's fragment, which browsers
 * never send to a server: this page reads it, removes it from the address bar and history at once, and posts it
 * (in a form body, never a URL) to `action`, where the state is checked against this browser's session exactly as
 * for a code callback. With no fragment it says the provider's answer is missing.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.2.2
 */
export function renderFragmentPage(page: PageContext, options: { readonly action: string }): string {
  const script = html`(function(){var
  h=window.location.hash;history.replaceState(null,'',window.location.pathname);var
  f=document.getElementById('keyway-fragment');if(h.length>1){f.elements.namedItem('fragment').value=h.slice(1);f.submit();}else{document.getElementById('keyway-fragment-missing').hidden=false;document.getElementById('keyway-fragment-wait').hidden=true;}})();`;
  const body = html`<h1>Finishing the connection</h1>
    <form id="keyway-fragment" method="post" action="${options.action}">
      <input type="hidden" name="fragment" value="" />
    </form>
    <p id="keyway-fragment-wait" role="status">One moment…</p>
    <div id="keyway-fragment-missing" class="card notice bad" role="alert" hidden>
      <p>The provider's answer did not reach this page. Go back to your connect link and try again.</p>
    </div>
    <noscript
      ><p>
        This provider answers in a way that needs JavaScript to finish. Turn it on and try again.
      </p></noscript
    >`;
  return layout({
    title: 'Finishing the connection',
    branding: page.branding,
    nonce: page.nonce,
    body,
    script,
  }).value;
}
