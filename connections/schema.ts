/**
 * Where catalog entries import `defineProvider` and the definition types from (`../schema`). The schema and its
 * logic live in src/providers/schema.ts.
 */
export * from '../src/providers/schema';
