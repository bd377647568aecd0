/**
 * The shell every page shares: one small stylesheet, readable on a phone, with a per-response nonce so the
 * Content-Security-Policy can forbid every other inline style and script.
 */
import { html, raw } from './html';
import type { HtmlValue, SafeHtml } from './html';

/** Who is asking, from the deployment's configuration. */
export interface Branding {
  readonly platformName: string;
  readonly platformLogoUrl?: string;
}

const CSS = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#f6f8fa;--card:#fff;--line:#d0d7de;
--accent:#0b57d0;--ok:#116329;--warn:#8a4600;--bad:#b3261e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--card:#161b22;
--line:#30363d;--accent:#78a9ff;--ok:#56d364;--warn:#e3b341;--bad:#ff7b72}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:40rem;margin:0 auto;padding:1rem}
header{display:flex;gap:.75rem;align-items:center;margin:.5rem 0 1rem}
header img{width:40px;height:40px;object-fit:contain}
h1{font-size:1.4rem;margin:.25rem 0}
h2{font-size:1.15rem;margin:0 0 .25rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin:0 0 1rem}
.muted{color:var(--muted)}
.status{display:inline-block;font-weight:600;border-radius:999px;padding:0 .6rem;border:1px solid currentColor}
.status-connected{color:var(--ok)}.status-needs_reauthorization,.status-pending,.status-disconnected{color:var(--warn)}
.status-error{color:var(--bad)}
ul{padding-left:1.25rem;margin:.25rem 0}
form{margin:.75rem 0 0}
.actions{display:flex;flex-wrap:wrap;gap:.5rem}
button{font:inherit;padding:.55rem 1rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);
color:#fff;cursor:pointer;min-height:44px}
button.secondary{background:transparent;color:var(--accent)}
label{display:block;margin:.5rem 0 .15rem;font-weight:600}
input,select,textarea{font:inherit;width:100%;padding:.5rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
label.check{display:flex;gap:.5rem;align-items:center;font-weight:400}
input[type=checkbox]{width:1.25rem;height:1.25rem;margin:0}
fieldset{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;padding:.25rem .75rem .5rem}
fieldset.nested{margin-left:1.75rem}legend{font-weight:600;padding:0 .25rem}
.notice{border-left:4px solid var(--ok)}.notice.bad{border-left-color:var(--bad)}
.code{font:700 1.8rem/1.2 ui-monospace,monospace;letter-spacing:.15em;word-break:break-all}
a{color:var(--accent)}
`;

/** Renders a full HTML document. `nonce` must be the one put into this response's CSP header. */
export function layout(options: {
  readonly title: string;
  readonly branding: Branding;
  readonly nonce: string;
  readonly body: HtmlValue;
  /** Reload the page after this many seconds (device flow), without JavaScript. */
  readonly refreshSeconds?: number;
  readonly script?: SafeHtml;
}): SafeHtml {
  const { branding } = options;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        ${options.refreshSeconds !== undefined ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}" />` : ''}
        <title>${options.title} · ${branding.platformName}</title>
        <style nonce="${options.nonce}">
          ${raw(CSS)}
        </style>
      </head>
      <body>
        <main>
          <header>
            ${branding.platformLogoUrl ? html`<img src="${branding.platformLogoUrl}" alt="" />` : ''}
            <span class="muted">${branding.platformName}</span>
          </header>
          ${options.body}
        </main>
        ${
          options.script
            ? html`<script nonce="${options.nonce}">
                ${options.script};
              </script>`
            : ''
        }
      </body>
    </html> `;
}

/** The Content-Security-Policy for a page rendered with `nonce`. */
export function contentSecurityPolicy(nonce: string): string {
  // No form-action: the Connect form's response is a redirect to the provider, which form-action would block.
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    'img-src https: data:',
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
