/**
 * The connect page's forms for structured data source results (objectSelection, objectFieldMap, jsonForm): what
 * is shown from a result and a saved value, and the value a posted form gives, in spectral's runtime shape, with
 * every key checked against the result so a forged choice in any slot is refused.
 */
import { structuredForm, structuredValue } from '../../src/runtime/config-var-forms';
import type { FormFields, StructuredType } from '../../src/runtime/config-var-forms';
import {
  FIELD_MAP_OPTIONS,
  JSON_FORM,
  JSON_FORM_PROPERTIES,
  OBJECT_SELECTION,
} from '../support/structured-results';

const objects = [...OBJECT_SELECTION, { object: { key: 'note' }, fields: [{ key: 'body' }] }];

const fieldMap = {
  fields: [
    {
      field: { key: 'mail', label: 'Customer email' },
      defaultObject: { key: 'contact' },
      defaultField: { key: 'email' },
    },
    { field: { key: 'amount', label: 'Amount' } },
  ],
  options: FIELD_MAP_OPTIONS,
};

const form = {
  ...JSON_FORM,
  schema: {
    ...JSON_FORM.schema,
    properties: {
      ...JSON_FORM_PROPERTIES,
      prefix: { type: 'string', title: 'Prefix', maxLength: 5, description: 'Put before each name.' },
    },
  },
};

function value(type: StructuredType, result: unknown, fields: FormFields): unknown {
  const made = structuredValue(type, result, fields);
  if ('problem' in made) throw new Error(`refused: ${made.problem}`);
  return made.value;
}

function problem(type: StructuredType, result: unknown, fields: FormFields): string {
  const made = structuredValue(type, result, fields);
  return 'problem' in made ? made.problem : 'accepted';
}

describe('objectSelection', () => {
  it('preselects the objects marked defaultSelected, with all their fields', () => {
    expect(structuredForm('objectSelection', objects, undefined)).toEqual({
      kind: 'objectSelection',
      objects: [
        {
          key: 'contact',
          label: 'Contacts',
          selected: true,
          fields: [
            { key: 'email', label: 'Email', selected: true },
            { key: 'phone', label: 'Phone', selected: true },
          ],
        },
        { key: 'deal', label: 'Deals', selected: false, fields: null },
        {
          key: 'note',
          label: 'note',
          selected: false,
          fields: [{ key: 'body', label: 'body', selected: false }],
        },
      ],
    });
  });

  it("saves spectral's ObjectSelection in the data source's order, and shows it back", () => {
    const saved = value('objectSelection', objects, {
      o1: 'deal',
      o0: 'contact',
      'o0.f1': 'phone',
      // The field of an object left unchosen does not count.
      'o2.f0': 'body',
    });
    expect(saved).toEqual([
      { object: { key: 'contact', label: 'Contacts' }, fields: [{ key: 'phone', label: 'Phone' }] },
      { object: { key: 'deal', label: 'Deals' } },
    ]);
    const shown = structuredForm('objectSelection', objects, JSON.stringify(saved));
    expect(shown.kind === 'objectSelection' && shown.objects.map((o) => [o.key, o.selected])).toEqual([
      ['contact', true],
      ['deal', true],
      ['note', false],
    ]);
    expect(shown.kind === 'objectSelection' && shown.objects[0]?.fields?.map((f) => f.selected)).toEqual([
      false,
      true,
    ]);
  });

  it('refuses an object or a field that was not offered, and an empty choice', () => {
    expect(problem('objectSelection', objects, { o0: 'invoice' })).toBe(
      'chooses an object that was not offered',
    );
    expect(problem('objectSelection', objects, { o0: 'contact', 'o0.f0': 'ssn' })).toBe(
      'chooses a field of "Contacts" that was not offered',
    );
    expect(problem('objectSelection', objects, { o1: 'deal', 'o1.f0': 'email' })).toBe(
      'chooses a field of "Deals" that was not offered',
    );
    expect(problem('objectSelection', objects, { o0: 'deal', o1: 'deal' })).toBe('chooses an object twice');
    expect(problem('objectSelection', objects, {})).toBe('needs at least one object chosen');
  });
});

describe('objectFieldMap', () => {
  it('preselects the default mapping and lists every object field to map to', () => {
    expect(structuredForm('objectFieldMap', fieldMap, undefined)).toEqual({
      kind: 'objectFieldMap',
      fields: [
        { key: 'mail', label: 'Customer email', mapped: ['contact', 'email'] },
        { key: 'amount', label: 'Amount', mapped: null },
      ],
      options: [
        {
          key: 'contact',
          label: 'Contacts',
          fields: [
            { key: 'email', label: 'Email' },
            { key: 'phone', label: 'Phone' },
          ],
        },
        { key: 'deal', label: 'Deals', fields: [{ key: 'value', label: 'Value' }] },
      ],
    });
  });

  it("saves spectral's ObjectFieldMap with mappedObject and mappedField set", () => {
    const saved = value('objectFieldMap', fieldMap, {
      f0: 'mail',
      m0: JSON.stringify(['contact', 'phone']),
      f1: 'amount',
      m1: '',
    });
    expect(saved).toEqual({
      fields: [
        {
          field: { key: 'mail', label: 'Customer email' },
          mappedObject: { key: 'contact', label: 'Contacts' },
          mappedField: { key: 'phone', label: 'Phone' },
        },
        { field: { key: 'amount', label: 'Amount' } },
      ],
      options: fieldMap.options,
    });
    const shown = structuredForm('objectFieldMap', fieldMap, saved);
    expect(shown.kind === 'objectFieldMap' && shown.fields.map((f) => f.mapped)).toEqual([
      ['contact', 'phone'],
      null,
    ]);
  });

  it('refuses a field or a target that was not offered', () => {
    expect(problem('objectFieldMap', fieldMap, { f0: 'ssn', m0: '' })).toBe(
      'maps a field that was not offered',
    );
    const forged = [
      JSON.stringify(['contact', 'ssn']),
      JSON.stringify(['invoice', 'email']),
      JSON.stringify(['deal', 'email']),
      'contact.email',
      JSON.stringify({ object: 'contact' }),
    ];
    for (const m0 of forged) {
      expect(problem('objectFieldMap', fieldMap, { f0: 'mail', m0 })).toBe(
        'maps a field to a choice that was not offered',
      );
    }
    expect(problem('objectFieldMap', fieldMap, { f0: 'mail', f1: 'mail' })).toBe('maps a field twice');
    expect(problem('objectFieldMap', { fields: fieldMap.fields }, { f0: 'mail' })).toBe(
      'has nothing to map to',
    );
  });
});

describe('jsonForm', () => {
  it('shows one field per property, filled from the data', () => {
    const shown = structuredForm('jsonForm', form, undefined);
    expect(shown).toEqual({
      kind: 'jsonForm',
      unsupported: null,
      fields: [
        {
          key: 'region',
          label: 'Region',
          description: null,
          type: 'string',
          choices: [
            { key: 'eu', label: 'eu' },
            { key: 'us', label: 'us' },
          ],
          required: true,
          value: '',
        },
        {
          key: 'batch',
          label: 'Batch size',
          description: null,
          type: 'integer',
          choices: null,
          required: true,
          value: '50',
        },
        {
          key: 'archive',
          label: 'Archive',
          description: null,
          type: 'boolean',
          choices: null,
          required: false,
          value: '',
        },
        {
          key: 'prefix',
          label: 'Prefix',
          description: 'Put before each name.',
          type: 'string',
          choices: null,
          required: false,
          value: '',
        },
      ],
    });
  });

  it('saves the data object with typed values, leaving out empty optional fields', () => {
    expect(
      value('jsonForm', form, { 'p.region': 'us', 'p.batch': '200', 'p.archive': 'false', 'p.prefix': '' }),
    ).toEqual({ region: 'us', batch: 200, archive: false });
  });

  it('refuses what the schema does not allow', () => {
    const ok = { 'p.region': 'eu', 'p.batch': '10' };
    expect(problem('jsonForm', form, { 'p.batch': '10' })).toBe('needs "Region"');
    expect(problem('jsonForm', form, { ...ok, 'p.region': 'apac' })).toBe('has an invalid "Region"');
    expect(problem('jsonForm', form, { ...ok, 'p.batch': '2.5' })).toBe('has an invalid "Batch size"');
    expect(problem('jsonForm', form, { ...ok, 'p.archive': 'maybe' })).toBe('has an invalid "Archive"');
    expect(problem('jsonForm', form, { ...ok, 'p.batch': '900' })).toMatch(/^has an invalid "Batch size": /);
    expect(problem('jsonForm', form, { ...ok, 'p.prefix': 'toolong' })).toMatch(/^has an invalid "Prefix": /);
    expect(problem('jsonForm', form, { ...ok, 'p.admin': 'true' })).toBe('has no field "admin"');
  });

  it('says why a richer schema cannot be shown, and refuses to save it', () => {
    const rich = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      schema: { type: 'object', properties, ...extra },
      uiSchema: {},
    });
    const cases: [ReturnType<typeof rich>, string][] = [
      [
        rich({ tags: { type: 'array', title: 'Tags', items: { type: 'string' } } }),
        'the field "Tags" uses "items"',
      ],
      [rich({ owner: { type: 'object', title: 'Owner' } }), 'the field "Owner" is of type object'],
      [rich({ a: { type: 'string' } }, { oneOf: [] }), 'the form uses "oneOf"'],
      [rich({ a: { enum: [{ x: 1 }] } }), 'the field "a" has choices that are not plain values'],
    ];
    for (const [result, reason] of cases) {
      expect(structuredForm('jsonForm', result, undefined)).toEqual({
        kind: 'jsonForm',
        fields: [],
        unsupported: reason,
      });
      expect(problem('jsonForm', result, {})).toBe(`cannot be set on this page: ${reason}`);
    }
  });
});
