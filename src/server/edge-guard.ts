/**
 * One check at the edge for every route, including routes added later: a request whose path parameters,
 * query or body hold text a database cannot store (a NUL character, see ../storable-text) is refused with
 * `KW_REQUEST_INVALID` (400) before any handler runs, so SQLite and PostgreSQL answer the same.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeywayError } from '../errors';
import { findUnstorableText } from '../storable-text';

const PARTS = ['params', 'query', 'body'] as const;

/** Throws `KW_REQUEST_INVALID` naming the first part and field that holds unstorable text. */
export function checkRequestText(request: FastifyRequest): void {
  for (const part of PARTS) {
    // An upload's unread stream is raw bytes, as a Buffer is: the route that streams it checks what it reads.
    if (request[part] instanceof Readable) continue;
    const found = findUnstorableText(request[part]);
    if (!found) continue;
    const path = [part, ...found.path.map(String)].join('.');
    throw new KeywayError('KW_REQUEST_INVALID', {
      message: `Invalid request ${part}: ${path} ${found.message}`,
      details: { issues: [{ path, message: found.message }] },
    });
  }
}

/** Adds the check to `app` as a `preValidation` hook (after body parsing, before every handler). */
export function registerEdgeGuard(app: FastifyInstance): void {
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      checkRequestText(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}
