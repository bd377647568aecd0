/**
 * The code that interprets provider definitions (the data in connections/): their schema, the hidden inputs a
 * spectral connection carries them in, spectral's wire format, {@link resolveConnection} from a built
 * connection to a client configuration, and endpoint discovery from an issuer.
 *
 * `toSpectralConnection` (./spectral.ts, which loads spectral) is not here: components reach it through
 * connections/, and the runtime never needs it.
 */
export * from './schema';
export * from './inputs';
export * from './wire';
export * from './resolve';
export * from './discovery';
