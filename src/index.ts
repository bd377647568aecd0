/** Keyway's public library surface. */
export * from './errors';
