/** Keyway's public library surface. */
export * from './errors';
export * from './oauth';
export { redactText, bodySnippet, maskToken, pinoRedactPaths, REDACTED } from './redact';
export * from './runtime';
