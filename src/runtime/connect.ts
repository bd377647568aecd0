/**
 * Connect flows: how a connection gets its first tokens (and loses them). The HTTP server calls these; they
 * hold the protocol's safety rules: single-use sessions bound to the browser, PKCE, `iss` checked, the code
 * exchanged once and never retried, tokens saved encrypted with a `connected` event in the same write.
 *
 * This module is the facade; each grant's steps live in their own module: ./connect-browser (authorization code,
 * implicit), ./connect-device (RFC 8628), ./connect-unattended (client credentials, password, activation),
 * ./connect-disconnect, on the shared steps of ./connect-kit and the customer's choices of ./connect-choices.
 */
import type { CallbackInput } from '../oauth';
import type { Connection } from '../store';
import { settleCallback, singleParamOrUndefined } from './callback';
import type { CallbackResult, CompletedAuthorization } from './callback';
import { completeAuthorization, completeImplicit, startAuthorization } from './connect-browser';
import { pollDeviceAuthorization, startDeviceAuthorization } from './connect-device';
import { disconnect } from './connect-disconnect';
import { FlowKit } from './connect-kit';
import type {
  Activation,
  CompleteOptions,
  ConnectDeps,
  DevicePollOutcome,
  DisconnectResult,
  StartAuthorizationInput,
  StartDeviceOptions,
  StartedAuthorization,
  StartedDeviceAuthorization,
} from './connect-types';
import { activate, connectWithClientCredentials, connectWithPassword } from './connect-unattended';
import { IssuerPromises } from './issuer-promises';

export { AUTH_SESSION_TTL_MS } from './connect-browser';
export { tokenFacts } from './connect-types';
export type {
  Activation,
  Choices,
  CompleteOptions,
  ConnectDeps,
  DevicePollOutcome,
  DisconnectResult,
  RevocationOutcome,
  StartAuthorizationInput,
  StartDeviceOptions,
  StartedAuthorization,
  StartedDeviceAuthorization,
  TokenFacts,
} from './connect-types';

/**
 * The connect flows of every grant. One instance serves every connection; all state lives in the store, so
 * any replica can complete a flow another one started.
 */
export class ConnectFlows {
  readonly #kit: FlowKit;
  readonly #issuers = new IssuerPromises();

  constructor(deps: ConnectDeps) {
    this.#kit = new FlowKit(deps);
  }

  /** Starts an authorization code (or legacy implicit) flow; see ./connect-browser's `startAuthorization`. */
  startAuthorization(input: StartAuthorizationInput): Promise<StartedAuthorization> {
    return startAuthorization(this.#kit, this.#issuers, input);
  }

  /** Completes an authorization code flow from the callback's query; see ./connect-browser. */
  completeAuthorization(
    callbackQuery: CallbackInput,
    options: CompleteOptions,
  ): Promise<CompletedAuthorization> {
    return completeAuthorization(this.#kit, callbackQuery, options);
  }

  /** Completes a legacy implicit grant from the redirect's fragment; see ./connect-browser. */
  completeImplicit(fragment: string, options: CompleteOptions): Promise<CompletedAuthorization> {
    return completeImplicit(this.#kit, fragment, options);
  }

  /**
   * {@link completeAuthorization} with its outcome as a value: a failure names the session's connection and
   * connect link when the session belongs to this browser, so the page can lead back to the link.
   */
  settleAuthorization(callbackQuery: CallbackInput, options: CompleteOptions): Promise<CallbackResult> {
    const state = singleParamOrUndefined(callbackQuery, 'state');
    return settleCallback(this.#kit.deps.store, state, options.browserBinding, (onSession) =>
      this.completeAuthorization(callbackQuery, { ...options, onSession }),
    );
  }

  /** {@link completeImplicit} with its outcome as a value; see {@link settleAuthorization}. */
  settleImplicit(fragment: string, options: CompleteOptions): Promise<CallbackResult> {
    const state = new URLSearchParams(fragment.startsWith('#') ? fragment.slice(1) : fragment).get('state');
    return settleCallback(this.#kit.deps.store, state ?? undefined, options.browserBinding, (onSession) =>
      this.completeImplicit(fragment, { ...options, onSession }),
    );
  }

  /** Connects a client-credentials connection with the values it holds; see ./connect-unattended. */
  connectWithClientCredentials(connectionId: string): Promise<Connection> {
    return connectWithClientCredentials(this.#kit, connectionId);
  }

  /** Connects with the resource owner password grant; see ./connect-unattended. */
  connectWithPassword(
    connectionId: string,
    credentials: { readonly username: string; readonly password: string },
  ): Promise<Connection> {
    return connectWithPassword(this.#kit, connectionId, credentials);
  }

  /** Activates a client-credentials or password connection without a person; see ./connect-unattended. */
  activate(connectionId: string): Promise<Activation> {
    return activate(this.#kit, connectionId);
  }

  /** Starts a device authorization (RFC 8628); see ./connect-device. */
  startDeviceAuthorization(
    connectionId: string,
    options: StartDeviceOptions = {},
  ): Promise<StartedDeviceAuthorization> {
    return startDeviceAuthorization(this.#kit, connectionId, options);
  }

  /** Polls a device authorization once, if its interval has passed; see ./connect-device. */
  pollDeviceAuthorization(
    sessionId: string,
    options: { readonly now?: number } = {},
  ): Promise<DevicePollOutcome> {
    return pollDeviceAuthorization(this.#kit, sessionId, options);
  }

  /** Revokes where it can, deletes the tokens, marks the connection disconnected; see ./connect-disconnect. */
  disconnect(connectionId: string): Promise<DisconnectResult> {
    return disconnect(this.#kit, connectionId);
  }
}
