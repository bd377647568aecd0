/**
 * The store's public surface: the {@link Store} interface and its row types, `openStore`, the key ring
 * and key rotation. Code outside src/store imports from here only, or from ./config for the settings alone
 * (that module loads no engine).
 */
export type * from './types';
export type * from './admin-types';
export type * from './trigger-types';
export { subscriptionStatuses } from './trigger-types';
export type { NewOAuthApp, OAuthApp, OAuthAppStore } from './oauth-apps';
export type {
  BoundDefinition,
  NewProviderOAuthApp,
  ProviderOAuthApp,
  ProviderOAuthAppStore,
} from './provider-oauth-apps';
export { connectionStatuses } from './types';
export { KeyRing, cellAad, envelopeKeyId } from './crypto';
export type { EncryptionKey } from './crypto';
export { migrateStore, openStore, sqliteFile } from './open';
export { DEFAULT_DATA_DIR, storeConfigFromEnv } from './config';
export type { StoreConfig } from './config';
export type { MigrationReport } from './migrations';
export { rotateKeys } from './rotate';
export type { RotateOptions, RotationFailure, RotationProgress, RotationReport } from './rotate';
