/**
 * The sandbox authorization server: one oidc-provider setup shared by the test suite, the demo and
 * `keyway sandbox`.
 */
export type { Sandbox, SandboxOptions, SandboxBehaviour, SandboxClient, SandboxClients } from './sandbox';
export { startSandbox, SANDBOX_ACCOUNT, SANDBOX_LOGIN, SANDBOX_SCOPES } from './sandbox';
export type { FollowOptions } from './user-agent';
export { followAuthorization } from './user-agent';
