/**
 * The connect page's small forms for the structured data source types spectral defines (10.31.1
 * `types/Inputs.d.ts`): `objectSelection` (choose objects, and fields per object when given), `objectFieldMap`
 * (map each field to a field of one of the offered objects) and `jsonForm` (a form for the simple JSON Schema
 * subset: string, number, integer, boolean and enum properties, `required`). Pure functions: what to show from a
 * checked result and the saved value, and the value to save from the posted form, checked against the result.
 *
 * Values have the shape spectral gives config variables at run time (`ConfigVarDataTypeRuntimeValueMap`): an
 * `ObjectSelection` (the chosen objects with their chosen fields), an `ObjectFieldMap` (the result's fields with
 * `mappedObject` / `mappedField` set, and its `options`), and for `jsonForm` the form's data object.
 *
 * Form field names are slots, values are keys: `o<i>` = an object key and `o<i>.f<j>` = a field key of it;
 * `f<i>` = a field key and `m<i>` = its mapping as the JSON `[objectKey, fieldKey]` (empty: not mapped);
 * `p.<property>` = a jsonForm property. Every key is looked up in the data source's answer, so a forged choice is
 * refused, whatever slot it comes in.
 */
import { z } from 'zod';
import { objectFieldMapResult, objectSelectionResult } from './data-source-result';
import type { Choice } from './data-source-result';

/** The structured types, each with a form of its own. */
export const STRUCTURED_TYPES = ['objectSelection', 'objectFieldMap', 'jsonForm'] as const;
/** One of {@link STRUCTURED_TYPES}. */
export type StructuredType = (typeof STRUCTURED_TYPES)[number];

/** True for one of {@link STRUCTURED_TYPES}. */
export function isStructuredType(type: unknown): type is StructuredType {
  return (STRUCTURED_TYPES as readonly unknown[]).includes(type);
}

/** A posted form: field name → value (the connect page's forms repeat no name). */
export type FormFields = Readonly<Record<string, string>>;

/** An `objectSelection` form: each object with whether it is chosen, and its fields when it has some. */
export interface ObjectSelectionForm {
  readonly kind: 'objectSelection';
  readonly objects: readonly (Choice & {
    readonly selected: boolean;
    readonly fields: readonly (Choice & { readonly selected: boolean })[] | null;
  })[];
}

/** An `objectFieldMap` form: each field with its current mapping, and the objects' fields it can map to. */
export interface ObjectFieldMapForm {
  readonly kind: 'objectFieldMap';
  readonly fields: readonly (Choice & { readonly mapped: readonly [string, string] | null })[];
  readonly options: readonly (Choice & { readonly fields: readonly Choice[] })[];
}

/** One property of a `jsonForm` form. */
export interface JsonFormField extends Choice {
  readonly description: string | null;
  readonly type: 'string' | 'number' | 'integer' | 'boolean';
  /** The enum's values (as text) when the property has one. */
  readonly choices: readonly Choice[] | null;
  readonly required: boolean;
  /** The current value as text ('' when none). */
  readonly value: string;
}

/** A `jsonForm` form; `unsupported` says why the page cannot show it (the schema uses more than the subset). */
export interface JsonFormForm {
  readonly kind: 'jsonForm';
  readonly fields: readonly JsonFormField[];
  readonly unsupported: string | null;
}

/** The form of a structured type. */
export type StructuredForm = ObjectSelectionForm | ObjectFieldMapForm | JsonFormForm;

/** spectral's `Element`. */
interface Element {
  readonly key: string;
  readonly label?: string | undefined;
}
const jsonFormResult = z.looseObject({
  schema: z.record(z.string(), z.unknown()),
  data: z.unknown().optional(),
});

function choice(item: Element): Choice {
  return { key: item.key, label: item.label ?? item.key };
}

/** The element as spectral shapes it: `key`, and `label` when the data source gave one. */
function bare(item: Element): Element {
  return item.label === undefined ? { key: item.key } : { key: item.key, label: item.label };
}

/** A saved value; a JSON string (set through the API as text) is read as its JSON, as spectral's `toX` do. */
function parsedSaved(saved: unknown): unknown {
  if (typeof saved !== 'string') return saved;
  try {
    return JSON.parse(saved) as unknown;
  } catch {
    return undefined;
  }
}

/** What the page shows for a structured type, from the checked `result` and the saved value. */
export function structuredForm(type: StructuredType, result: unknown, saved: unknown): StructuredForm {
  const value = parsedSaved(saved);
  if (type === 'objectSelection') return selectionForm(result, value);
  if (type === 'objectFieldMap') return fieldMapForm(result, value);
  return jsonForm(result, value);
}

function selectionForm(result: unknown, saved: unknown): ObjectSelectionForm {
  const offered = objectSelectionResult.parse(result);
  const chosen = objectSelectionResult.safeParse(saved);
  const pick = chosen.success ? new Map(chosen.data.map((s) => [s.object.key, s])) : undefined;
  return {
    kind: 'objectSelection',
    objects: offered.map((item) => {
      const saved = pick?.get(item.object.key);
      const selected = pick === undefined ? item.defaultSelected === true : saved !== undefined;
      const savedFields = new Set(saved?.fields?.map((f) => f.key));
      return {
        ...choice(item.object),
        selected,
        fields:
          item.fields?.map((f) => ({
            ...choice(f),
            // Before anything is saved, a chosen object has all its fields chosen.
            selected: pick === undefined ? selected : savedFields.has(f.key),
          })) ?? null,
      };
    }),
  };
}

function fieldMapForm(result: unknown, saved: unknown): ObjectFieldMapForm {
  const offered = objectFieldMapResult.parse(result);
  const chosen = objectFieldMapResult.safeParse(saved);
  const savedMap = chosen.success ? new Map(chosen.data.fields.map((f) => [f.field.key, f])) : undefined;
  return {
    kind: 'objectFieldMap',
    fields: offered.fields.map((item) => {
      const from = savedMap === undefined ? item : savedMap.get(item.field.key);
      const object = from?.mappedObject ?? (savedMap === undefined ? item.defaultObject : undefined);
      const field = from?.mappedField ?? (savedMap === undefined ? item.defaultField : undefined);
      return {
        ...choice(item.field),
        mapped: object && field ? ([object.key, field.key] as const) : null,
      };
    }),
    options: (offered.options ?? []).map((o) => ({ ...choice(o.object), fields: o.fields.map(choice) })),
  };
}

/** The keywords a property of the simple subset may use. */
const PROPERTY_KEYWORDS = new Set([
  'type',
  'title',
  'description',
  'default',
  'enum',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'format',
  'examples',
]);
const TOP_KEYWORDS = new Set([
  '$schema',
  'type',
  'title',
  'description',
  'properties',
  'required',
  'additionalProperties',
]);
const SIMPLE_TYPES = new Set(['string', 'number', 'integer', 'boolean']);

type Property = Record<string, unknown>;

/** Why `schema` is beyond the simple subset, in the customer's words; undefined when it is within it. */
function beyondSubset(schema: Record<string, unknown>): string | undefined {
  const extra = Object.keys(schema).find((k) => !TOP_KEYWORDS.has(k));
  if (extra !== undefined) return `the form uses "${extra}"`;
  if (schema.type !== undefined && schema.type !== 'object') return 'the form is not a set of fields';
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
    return 'the form has no fields';
  }
  for (const [key, raw] of Object.entries(properties as Record<string, unknown>)) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return `the field "${key}" is not described`;
    const property = raw as Property;
    const label = typeof property.title === 'string' ? property.title : key;
    const keyword = Object.keys(property).find((k) => !PROPERTY_KEYWORDS.has(k));
    if (keyword !== undefined) return `the field "${label}" uses "${keyword}"`;
    if (property.enum !== undefined) {
      const values = property.enum;
      if (
        !Array.isArray(values) ||
        !values.every((v) => ['string', 'number', 'boolean'].includes(typeof v))
      ) {
        return `the field "${label}" has choices that are not plain values`;
      }
    } else if (typeof property.type !== 'string' || !SIMPLE_TYPES.has(property.type)) {
      return `the field "${label}" is ${typeof property.type === 'string' ? `of type ${property.type}` : 'not a plain value'}`;
    }
  }
  return undefined;
}

function propertyType(property: Property): JsonFormField['type'] {
  if (typeof property.type === 'string' && SIMPLE_TYPES.has(property.type)) {
    return property.type as JsonFormField['type'];
  }
  const [first] = property.enum as unknown[];
  return typeof first === 'number' ? 'number' : typeof first === 'boolean' ? 'boolean' : 'string';
}

function asText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

function jsonForm(result: unknown, saved: unknown): JsonFormForm {
  const offered = jsonFormResult.parse(result);
  const unsupported = beyondSubset(offered.schema) ?? null;
  if (unsupported !== null) return { kind: 'jsonForm', fields: [], unsupported };
  const data = [saved, offered.data].find((d) => typeof d === 'object' && d !== null && !Array.isArray(d)) as
    Record<string, unknown> | undefined;
  const required = new Set(Array.isArray(offered.schema.required) ? offered.schema.required : []);
  const properties = offered.schema.properties as Record<string, Property>;
  return {
    kind: 'jsonForm',
    unsupported: null,
    fields: Object.entries(properties).map(([key, property]) => ({
      key,
      label: typeof property.title === 'string' ? property.title : key,
      description: typeof property.description === 'string' ? property.description : null,
      type: propertyType(property),
      choices: Array.isArray(property.enum)
        ? property.enum.map((v) => ({ key: asText(v), label: asText(v) }))
        : null,
      required: required.has(key),
      value: asText(data === undefined ? property.default : data[key]),
    })),
  };
}

/** The value to save, or why the posted form is refused (a sentence completing "The value for X …"). */
export type StructuredValue = { readonly value: unknown } | { readonly problem: string };

/** The value a posted form gives a structured type, checked against the data source's `result`. */
export function structuredValue(type: StructuredType, result: unknown, form: FormFields): StructuredValue {
  if (type === 'objectSelection') return selectionValue(result, form);
  if (type === 'objectFieldMap') return fieldMapValue(result, form);
  return jsonFormValue(result, form);
}

/** The posted slots `<prefix><n>` (and `<prefix><n><suffix>`), by slot number. */
function slots(form: FormFields, pattern: RegExp): [string, string][] {
  return Object.entries(form)
    .map(([name, value]) => [pattern.exec(name), value] as const)
    .filter((entry): entry is [RegExpExecArray, string] => entry[0] !== null)
    .map(([match, value]) => [match.slice(1).join('.'), value]);
}

function selectionValue(result: unknown, form: FormFields): StructuredValue {
  const offered = new Map(objectSelectionResult.parse(result).map((item) => [item.object.key, item]));
  const chosen: { object: Element; fields?: Element[] }[] = [];
  const bySlot = new Map<string, { object: Element; fields?: Element[] }>();
  for (const [slot, key] of slots(form, /^o(\d{1,4})$/)) {
    const item = offered.get(key);
    if (item === undefined) return { problem: 'chooses an object that was not offered' };
    if (chosen.some((c) => c.object.key === key)) return { problem: 'chooses an object twice' };
    const entry = { object: bare(item.object), ...(item.fields ? { fields: [] as Element[] } : {}) };
    chosen.push(entry);
    bySlot.set(slot, entry);
  }
  if (chosen.length === 0) return { problem: 'needs at least one object chosen' };
  for (const [slot, key] of slots(form, /^o(\d{1,4})\.f\d{1,4}$/)) {
    // The fields of an object left unchosen do not count.
    const entry = bySlot.get(slot);
    if (entry === undefined) continue;
    const field = offered.get(entry.object.key)?.fields?.find((f) => f.key === key);
    if (field === undefined || entry.fields === undefined) {
      return {
        problem: `chooses a field of "${entry.object.label ?? entry.object.key}" that was not offered`,
      };
    }
    if (!entry.fields.some((f) => f.key === key)) entry.fields.push(bare(field));
  }
  // In the data source's order, whatever the form's.
  const order = [...offered.keys()];
  for (const entry of chosen) {
    const fieldOrder = offered.get(entry.object.key)?.fields?.map((f) => f.key) ?? [];
    entry.fields?.sort((a, b) => fieldOrder.indexOf(a.key) - fieldOrder.indexOf(b.key));
  }
  return { value: chosen.sort((a, b) => order.indexOf(a.object.key) - order.indexOf(b.object.key)) };
}

function fieldMapValue(result: unknown, form: FormFields): StructuredValue {
  const offered = objectFieldMapResult.parse(result);
  const options = offered.options ?? [];
  if (options.length === 0) return { problem: 'has nothing to map to' };
  const mappings = new Map(slots(form, /^m(\d{1,4})$/));
  const mapped = new Map<string, { mappedObject: Element; mappedField: Element }>();
  const seen = new Set<string>();
  for (const [slot, key] of slots(form, /^f(\d{1,4})$/)) {
    if (!offered.fields.some((f) => f.field.key === key))
      return { problem: 'maps a field that was not offered' };
    if (seen.has(key)) return { problem: 'maps a field twice' };
    seen.add(key);
    const pair = pairOf(mappings.get(slot) ?? '');
    if (pair === null) continue;
    const object = options.find((o) => o.object.key === pair?.[0]);
    const field = object?.fields.find((f) => f.key === pair?.[1]);
    if (object === undefined || field === undefined)
      return { problem: 'maps a field to a choice that was not offered' };
    mapped.set(key, { mappedObject: bare(object.object), mappedField: bare(field) });
  }
  return {
    value: {
      fields: offered.fields.map((f) => ({ field: bare(f.field), ...mapped.get(f.field.key) })),
      options: options.map((o) => ({ object: bare(o.object), fields: o.fields.map(bare) })),
    },
  };
}

/** `[objectKey, fieldKey]` from a mapping select's value; null when not mapped (or not a pair: refused later). */
function pairOf(text: string): readonly [string, string] | null {
  if (text === '') return null;
  try {
    const parsed = z.tuple([z.string(), z.string()]).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : ['', ''];
  } catch {
    return ['', ''];
  }
}

function jsonFormValue(result: unknown, form: FormFields): StructuredValue {
  const offered = jsonFormResult.parse(result);
  const shown = jsonForm(result, undefined);
  if (shown.unsupported !== null) return { problem: `cannot be set on this page: ${shown.unsupported}` };
  const known = new Set(shown.fields.map((f) => `p.${f.key}`));
  const stray = Object.keys(form).find((name) => name.startsWith('p.') && !known.has(name));
  if (stray !== undefined) return { problem: `has no field "${stray.slice(2)}"` };
  const data: Record<string, unknown> = {};
  for (const field of shown.fields) {
    const text = form[`p.${field.key}`] ?? '';
    if (text === '') {
      if (field.required) return { problem: `needs "${field.label}"` };
      continue;
    }
    const typed = typedValue(field, text, offered.schema);
    if (typed === undefined) return { problem: `has an invalid "${field.label}"` };
    data[field.key] = typed;
  }
  // The schema itself has the last word (enum, lengths, bounds, pattern), through zod's JSON Schema reader.
  const checked = z.fromJSONSchema(offered.schema).safeParse(data);
  if (!checked.success) {
    const [issue] = checked.error.issues;
    const label = shown.fields.find((f) => f.key === String(issue?.path[0]))?.label;
    return {
      problem: `has an invalid "${label ?? String(issue?.path[0] ?? 'value')}": ${issue?.message ?? ''}`,
    };
  }
  return { value: data };
}

/** A property's posted text as its JSON value; undefined when it is not one. */
function typedValue(field: JsonFormField, text: string, schema: Record<string, unknown>): unknown {
  if (field.choices !== null) {
    const values = ((schema.properties as Record<string, Property>)[field.key]?.enum ?? []) as unknown[];
    return values.find((v) => asText(v) === text);
  }
  if (field.type === 'boolean') return text === 'true' ? true : text === 'false' ? false : undefined;
  if (field.type === 'number' || field.type === 'integer') {
    const number = Number(text);
    if (text.trim() === '' || !Number.isFinite(number)) return undefined;
    return field.type === 'integer' && !Number.isInteger(number) ? undefined : number;
  }
  return text;
}
