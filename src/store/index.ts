/**
 * The store's public surface: the {@link Store} interface and its row types, `openStore`, the key ring
 * and key rotation. Code outside src/store imports from here only.
 */
export type * from './types';
export { connectionStatuses } from './types';
export { KeyRing, cellAad, envelopeKeyId } from './crypto';
export type { EncryptionKey } from './crypto';
export { DEFAULT_DATA_DIR, migrateStore, openStore, sqliteFile, storeConfigFromEnv } from './open';
export type { StoreConfig } from './open';
export type { MigrationReport } from './migrations';
export { rotateKeys } from './rotate';
export type { RotateOptions, RotationFailure, RotationProgress, RotationReport } from './rotate';
