/**
 * Escaped HTML building. Every interpolated value is escaped unless it is already {@link SafeHtml}, so a value
 * from a provider or a user (an `error_description`, a connection name) can never become markup.
 */

/** A fragment of HTML that is known to be safe: produced by {@link html} or {@link raw}. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '=': '&#61;',
};

/** Escapes text for use in HTML element content and in quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`=]/g, (c) => ESCAPES[c] ?? c);
}

/** Interpolation values {@link html} accepts. Arrays are joined; null, undefined and false render nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(value);
}

/** Tagged template that escapes every interpolated value. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Marks trusted, constant markup as safe. Never pass data from a request or a provider. */
export function raw(value: string): SafeHtml {
  return new SafeHtml(value);
}

/**
 * Serialises a value for a `<script>` block: JSON with `<`, `>`, `&` and the line separators escaped, so the
 * data cannot close the script element or break out of the string.
 */
export function scriptJson(value: unknown): SafeHtml {
  return new SafeHtml(
    JSON.stringify(value)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029'),
  );
}
