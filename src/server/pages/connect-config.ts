/**
 * The connect page's configuration section: one card per config variable the customer chooses, a select for a
 * `picklist` data source, one field for the simpler types and a small form for the structured ones
 * (./config-forms), each a CSRF-protected form posting to `<base>/config/<key>`. Every value is escaped by
 * {@link html}.
 */
import { isEmptyForm, structuredFields, unsupportedMessage } from './config-forms';
import { html } from './html';
import type { SafeHtml } from './html';
import type { ConfigVarPageView } from '../ports';

/** The `<input type>` of each simple type (`boolean` is a select, `code` a text area). */
const INPUT_TYPES: Partial<Record<ConfigVarPageView['type'], string>> = {
  string: 'text',
  number: 'number',
  date: 'date',
  timestamp: 'text',
};

function field(variable: ConfigVarPageView, id: string): SafeHtml {
  const current = variable.value ?? variable.suggested ?? '';
  if (variable.type === 'picklist' || variable.type === 'boolean') {
    const choices =
      variable.type === 'boolean'
        ? [
            { key: 'true', label: 'Yes' },
            { key: 'false', label: 'No' },
          ]
        : variable.choices;
    return html`<select id="${id}" name="value" required>
      ${variable.value === null ? html`<option value="" selected disabled>Choose…</option>` : ''}
      ${choices.map(
        (choice) =>
          html`<option value="${choice.key}" ${choice.key === variable.value ? 'selected' : ''}>
            ${choice.label}
          </option>`,
      )}
    </select>`;
  }
  if (variable.type === 'code') {
    return html`<textarea id="${id}" name="value" rows="6" required>${current}</textarea>`;
  }
  return html`<input
    id="${id}"
    name="value"
    type="${INPUT_TYPES[variable.type] ?? 'text'}"
    value="${current}"
    autocomplete="off"
    required
  />`;
}

function card(variable: ConfigVarPageView, base: string, csrf: string, index: number): SafeHtml {
  const id = `config-${index}`;
  const saved = variable.value === null ? '' : html`<p class="muted">Saved.</p>`;
  let body: SafeHtml;
  if (variable.state === 'waiting') {
    body = html`<p class="muted">Connect the account above first; the choices come from it.</p>`;
  } else if (variable.state === 'failed') {
    body = html`<p role="alert">
      The choices could not be loaded: ${variable.error?.message ?? 'unknown error'}
    </p>`;
  } else if (
    (variable.type === 'picklist' && variable.choices.length === 0) ||
    (variable.form !== null && isEmptyForm(variable.form))
  ) {
    body = html`<p>There is nothing to choose from yet.</p>`;
  } else if (variable.form?.kind === 'jsonForm' && variable.form.unsupported !== null) {
    body = unsupportedMessage(variable.form.unsupported);
  } else if (variable.form !== null) {
    body = html`<form
      method="post"
      action="${base}/config/${encodeURIComponent(variable.key)}"
      aria-label="${variable.label}"
    >
      <input type="hidden" name="_csrf" value="${csrf}" />
      ${structuredFields(variable.form, id)}
      <div class="actions"><button type="submit">Save</button></div>
    </form>`;
  } else {
    body = html`<form method="post" action="${base}/config/${encodeURIComponent(variable.key)}">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <label for="${id}">${variable.label}</label>
      ${field(variable, id)}
      <div class="actions"><button type="submit">Save</button></div>
    </form>`;
  }
  return html`<section class="card" data-config-var="${variable.key}" data-state="${variable.state}">
    <h3>${variable.label}</h3>
    ${variable.description ? html`<p class="muted">${variable.description}</p>` : ''} ${body} ${saved}
  </section>`;
}

/** The configuration section, or nothing when there are no variables to show. */
export function renderConfigSection(
  variables: readonly ConfigVarPageView[],
  options: { readonly base: string; readonly csrf: string },
): SafeHtml | '' {
  if (variables.length === 0) return '';
  return html`<h2>Settings</h2>
    ${variables.map((variable, index) => card(variable, options.base, options.csrf, index))}`;
}
