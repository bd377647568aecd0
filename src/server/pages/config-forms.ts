/**
 * The fields of the connect page's small forms for structured config variables (the runtime's
 * config-var-forms names them): checkboxes per object and per field for `objectSelection`, a select per field for
 * `objectFieldMap`, one labelled field per property for `jsonForm`. Every control has a label; every value is
 * escaped by {@link html}.
 */
import { html } from './html';
import type { SafeHtml } from './html';
import type { JsonFormField, ObjectFieldMapForm, ObjectSelectionForm, StructuredForm } from '../../runtime';

/** True when the form offers nothing to choose (the card then says so instead). */
export function isEmptyForm(form: StructuredForm): boolean {
  if (form.kind === 'objectSelection') return form.objects.length === 0;
  if (form.kind === 'objectFieldMap') return form.fields.length === 0 || form.options.length === 0;
  return form.unsupported === null && form.fields.length === 0;
}

function checkbox(id: string, name: string, value: string, label: string, checked: boolean): SafeHtml {
  return html`<label class="check" for="${id}"
    ><input id="${id}" type="checkbox" name="${name}" value="${value}" ${checked ? 'checked' : ''} />
    ${label}</label
  >`;
}

function selectionFields(form: ObjectSelectionForm, id: string): SafeHtml {
  return html`<fieldset>
    <legend>Choose what to include</legend>
    ${form.objects.map((object, i) => {
      const fields = object.fields;
      const box = checkbox(`${id}-o${i}`, `o${i}`, object.key, object.label, object.selected);
      if (fields === null || fields.length === 0) return box;
      return html`${box}
        <fieldset class="nested">
          <legend>Fields of ${object.label}</legend>
          ${fields.map((field, j) =>
            checkbox(`${id}-o${i}-f${j}`, `o${i}.f${j}`, field.key, field.label, field.selected),
          )}
        </fieldset>`;
    })}
  </fieldset>`;
}

function fieldMapFields(form: ObjectFieldMapForm, id: string): SafeHtml {
  return html`<fieldset>
    <legend>Match each field</legend>
    ${form.fields.map((field, i) => {
      const mapped = field.mapped === null ? '' : JSON.stringify(field.mapped);
      return html`<input type="hidden" name="f${i}" value="${field.key}" />
        <label for="${id}-m${i}">${field.label}</label>
        <select id="${id}-m${i}" name="m${i}">
          <option value="" ${mapped === '' ? 'selected' : ''}>Not matched</option>
          ${form.options.map(
            (object) =>
              html`<optgroup label="${object.label}">
                ${object.fields.map((target) => {
                  const value = JSON.stringify([object.key, target.key]);
                  return html`<option value="${value}" ${value === mapped ? 'selected' : ''}>
                    ${object.label}: ${target.label}
                  </option>`;
                })}
              </optgroup>`,
          )}
        </select>`;
    })}
  </fieldset>`;
}

function jsonControl(field: JsonFormField, id: string): SafeHtml {
  const name = `p.${field.key}`;
  const required = field.required ? 'required' : '';
  const choices =
    field.choices ??
    (field.type === 'boolean'
      ? [
          { key: 'true', label: 'Yes' },
          { key: 'false', label: 'No' },
        ]
      : null);
  if (choices !== null) {
    return html`<select id="${id}" name="${name}" ${required}>
      <option value="" ${field.value === '' ? 'selected' : ''} ${field.required ? 'disabled' : ''}>
        ${field.required ? 'Choose…' : 'None'}
      </option>
      ${choices.map(
        (c) => html`<option value="${c.key}" ${c.key === field.value ? 'selected' : ''}>${c.label}</option>`,
      )}
    </select>`;
  }
  const type = field.type === 'string' ? 'text' : 'number';
  const step = field.type === 'number' ? 'any' : '1';
  return html`<input
    id="${id}"
    name="${name}"
    type="${type}"
    ${type === 'number' ? html`step="${step}"` : ''}
    value="${field.value}"
    autocomplete="off"
    ${required}
  />`;
}

function jsonFormFields(fields: readonly JsonFormField[], id: string): SafeHtml {
  return html`${fields.map(
    (field, i) =>
      html`<label for="${id}-p${i}">${field.label}${field.required ? '' : ' (optional)'}</label>
        ${field.description ? html`<p class="muted" id="${id}-p${i}-help">${field.description}</p>` : ''}
        ${jsonControl(field, `${id}-p${i}`)}`,
  )}`;
}

/** The controls of a structured form (inside the card's `<form>`), or the message of one the page cannot show. */
export function structuredFields(form: StructuredForm, id: string): SafeHtml {
  if (form.kind === 'objectSelection') return selectionFields(form, id);
  if (form.kind === 'objectFieldMap') return fieldMapFields(form, id);
  return jsonFormFields(form.fields, id);
}

/** The card's message for a `jsonForm` beyond the simple subset, in the customer's words. */
export function unsupportedMessage(reason: string): SafeHtml {
  return html`<p role="note" data-unsupported>
    This setting needs a form this page cannot show (${reason}). Ask the team that sent you this link to set
    it for you.
  </p>`;
}
