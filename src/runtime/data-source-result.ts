/**
 * The result shapes of spectral data sources (spectral 10.31.1 `types/DataSourceResult.d.ts`), checked by the
 * data source's `dataSourceType`: `perform` must resolve to `{ result, supplementalData? }` with `result` of the
 * type's shape. A component returning anything else is refused with KW_DATA_SOURCE_RESULT_INVALID, naming the
 * data source and the first thing wrong, so its author can fix it; the platform never sees a malformed result.
 */
import { z } from 'zod';
import { KeywayError } from '../errors';

/** spectral's `Element`: a choice's value (`key`) and what to show for it (`label`, `key` when absent). */
const element = z.looseObject({ key: z.string(), label: z.string().optional() });

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'must be a date (YYYY-MM-DD)');
const timestamp = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be a date and time');

/** spectral's `ObjectSelection`: objects to choose, each with the fields to choose of it. */
export const objectSelectionResult = z.array(
  z.looseObject({
    object: element,
    fields: z.array(element).optional(),
    defaultSelected: z.boolean().optional(),
  }),
);

/** spectral's `ObjectFieldMap`: fields to match, each to a field of one of the `options`' objects. */
export const objectFieldMapResult = z.looseObject({
  fields: z.array(
    z.looseObject({
      field: element,
      mappedObject: element.optional(),
      mappedField: element.optional(),
      defaultObject: element.optional(),
      defaultField: element.optional(),
    }),
  ),
  options: z.array(z.looseObject({ object: element, fields: z.array(element) })).optional(),
});

/** The shape of `result` for each `dataSourceType`. */
const RESULT_SHAPES = {
  string: z.string(),
  date: isoDate,
  timestamp,
  code: z.string(),
  boolean: z.boolean(),
  number: z.number().finite(),
  picklist: z.array(z.union([z.string(), element])),
  schedule: z.looseObject({ value: z.string() }),
  objectSelection: objectSelectionResult,
  objectFieldMap: objectFieldMapResult,
  jsonForm: z.looseObject({
    schema: z.record(z.string(), z.unknown()),
    uiSchema: z.record(z.string(), z.unknown()),
    data: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  }),
} as const;

/** spectral's `DataSourceType`. */
export type DataSourceType = keyof typeof RESULT_SHAPES;

/** Every {@link DataSourceType}. */
export const dataSourceTypes = Object.keys(RESULT_SHAPES) as DataSourceType[];

/** True for one of spectral's data source types. */
export function isDataSourceType(value: unknown): value is DataSourceType {
  return typeof value === 'string' && Object.hasOwn(RESULT_SHAPES, value);
}

/** A checked data source result. */
export interface DataSourceResult {
  readonly result: unknown;
  readonly supplementalData?: { readonly data: unknown; readonly contentType: string };
}

const supplemental = z.strictObject({ data: z.unknown(), contentType: z.string() });

/** Where a result came from, for the error message. */
export interface DataSourceRef {
  readonly componentKey: string;
  readonly dataSourceKey: string;
}

function invalid(ref: DataSourceRef, type: string, problem: string): KeywayError {
  return new KeywayError('KW_DATA_SOURCE_RESULT_INVALID', {
    message: `Data source "${ref.dataSourceKey}" of component "${ref.componentKey}" (${type}) returned an invalid result: ${problem}`,
    details: {
      componentKey: ref.componentKey,
      dataSourceKey: ref.dataSourceKey,
      dataSourceType: type,
      problem,
    },
  });
}

function firstIssue(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0];
  if (!issue) return 'unknown problem';
  const path = [prefix, ...issue.path.map(String)].join('.');
  return `${path}: ${issue.message}`;
}

/**
 * Checks what a data source's `perform` resolved to against its declared `dataSourceType`.
 * @throws KeywayError KW_DATA_SOURCE_RESULT_INVALID naming the data source and what is wrong.
 */
export function checkDataSourceResult(
  ref: DataSourceRef,
  type: unknown,
  returned: unknown,
): DataSourceResult {
  if (!isDataSourceType(type)) {
    throw invalid(
      ref,
      String(type),
      `its dataSourceType is not one of spectral's (${dataSourceTypes.join(', ')})`,
    );
  }
  if (
    typeof returned !== 'object' ||
    returned === null ||
    Array.isArray(returned) ||
    !('result' in returned)
  ) {
    throw invalid(ref, type, 'perform must resolve to an object { result, supplementalData? }');
  }
  const envelope = returned as { result: unknown; supplementalData?: unknown };
  const checked = RESULT_SHAPES[type].safeParse(envelope.result);
  if (!checked.success) throw invalid(ref, type, firstIssue(checked.error, 'result'));
  if (envelope.supplementalData === undefined) return { result: envelope.result };
  const extra = supplemental.safeParse(envelope.supplementalData);
  if (!extra.success) throw invalid(ref, type, firstIssue(extra.error, 'supplementalData'));
  return { result: envelope.result, supplementalData: extra.data };
}

/** One choice of a picklist result: its value and label. */
export interface Choice {
  readonly key: string;
  readonly label: string;
}

/** The choices of a checked picklist result (strings are their own label). */
export function picklistChoices(result: unknown): Choice[] {
  const items = RESULT_SHAPES.picklist.parse(result);
  return items.map((item) =>
    typeof item === 'string' ? { key: item, label: item } : { key: item.key, label: item.label ?? item.key },
  );
}
