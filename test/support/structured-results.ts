/**
 * Data source results of the structured types (`objectSelection`, `objectFieldMap`, `jsonForm`) in spectral's
 * shapes, shared by the tests of the connect page's forms for them (test/runtime/config-var-forms.test.ts, and in
 * a browser test/server/config-forms-browser.test.ts).
 */

/** An objectSelection result: contacts (selected by default, two fields) and deals (no fields). */
export const OBJECT_SELECTION = [
  {
    object: { key: 'contact', label: 'Contacts' },
    fields: [
      { key: 'email', label: 'Email' },
      { key: 'phone', label: 'Phone' },
    ],
    defaultSelected: true,
  },
  { object: { key: 'deal', label: 'Deals' } },
];

/** The options of an objectFieldMap result: the contacts' email and phone, the deals' value. */
export const FIELD_MAP_OPTIONS = [
  {
    object: { key: 'contact', label: 'Contacts' },
    fields: [
      { key: 'email', label: 'Email' },
      { key: 'phone', label: 'Phone' },
    ],
  },
  { object: { key: 'deal', label: 'Deals' }, fields: [{ key: 'value', label: 'Value' }] },
];

/** The properties of {@link JSON_FORM}: a region (one of two), a batch size (1 to 500), an optional archive flag. */
export const JSON_FORM_PROPERTIES = {
  region: { type: 'string', title: 'Region', enum: ['eu', 'us'] },
  batch: { type: 'integer', title: 'Batch size', minimum: 1, maximum: 500 },
  archive: { type: 'boolean', title: 'Archive' },
};

/** A jsonForm result within the subset the connect page shows: region and batch size required, batch 50 to start. */
export const JSON_FORM = {
  schema: { type: 'object', properties: JSON_FORM_PROPERTIES, required: ['region', 'batch'] },
  uiSchema: { type: 'VerticalLayout', elements: [] },
  data: { batch: 50 },
};
