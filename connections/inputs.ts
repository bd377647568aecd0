/** Where the catalog imports the hidden input names from (`../inputs`); they live in src/providers/inputs.ts. */
export * from '../src/providers/inputs';
