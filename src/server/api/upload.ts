/**
 * A raw upload streamed to a file: the body is never held in memory as a whole. Gzip is inflated on the fly
 * (`Content-Encoding: gzip`, or `Content-Type: application/gzip`), and the size limit holds for the inflated
 * bytes while they arrive, so a too-large body is refused as soon as it passes the limit.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { FastifyRequest, preParsingHookHandler } from 'fastify';
import { KeywayError } from '../../errors';

/** The content types whose body is passed to the route as a stream (see {@link isUploadStream}). */
export const UPLOAD_CONTENT_TYPES = [
  'application/octet-stream',
  'application/javascript',
  'text/javascript',
  'application/gzip',
  'application/yaml',
  'text/yaml',
];

/** True for a body the upload content-type parser passed on unread. */
export function isUploadStream(body: unknown): body is Readable {
  return body instanceof Readable;
}

/** The media type of `request`, lowercased, without parameters. */
export function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The refusal of a body over `maxBytes`. */
export function bodyTooLarge(maxBytes: number): KeywayError {
  return new KeywayError('KW_BODY_TOO_LARGE', {
    message: `The bundle is larger than this deployment accepts (${maxBytes} bytes; KEYWAY_MAX_BUNDLE_BYTES)`,
    details: { maxBytes },
  });
}

/**
 * Inflates a gzip-encoded body before it is parsed. For a JSON body fastify's parser counts both the inflated
 * bytes and (through `receivedEncodedLength`) the bytes on the wire against the route's limit; a raw upload is
 * counted by {@link saveUpload}.
 */
export const gunzipUpload: preParsingHookHandler = (request, _reply, payload, done) => {
  const encoding = request.headers['content-encoding'];
  if (encoding === undefined || encoding === 'identity') {
    done(null, payload);
    return;
  }
  if (encoding !== 'gzip') {
    done(
      new KeywayError('KW_REQUEST_INVALID', {
        message: `Content-Encoding "${encoding}" is not supported; send the bundle as is or gzip-compressed`,
        details: { issues: [{ path: 'headers.content-encoding', message: 'must be gzip or identity' }] },
      }),
    );
    return;
  }
  const gunzip = Object.assign(createGunzip(), { receivedEncodedLength: 0 });
  payload.on('data', (chunk: Buffer) => {
    gunzip.receivedEncodedLength += chunk.length;
  });
  payload.on('error', (err) => gunzip.destroy(err));
  payload.pipe(gunzip);
  done(null, gunzip);
};

function invalidGzip(cause: unknown): KeywayError {
  return new KeywayError('KW_REQUEST_INVALID', {
    message: 'The body is not valid gzip: send the bundle as is, or compressed with gzip',
    cause,
    details: { issues: [{ path: 'body', message: 'invalid gzip data' }] },
  });
}

/**
 * Writes `source` to a new file at `path` (mode 0600) and returns its size. More than `maxBytes` is
 * `KW_BODY_TOO_LARGE` the moment the limit is passed; invalid gzip is `KW_REQUEST_INVALID`. The caller removes
 * the file on failure.
 */
export async function streamToFile(source: Readable, path: string, maxBytes: number): Promise<number> {
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) callback(bodyTooLarge(maxBytes));
      else callback(null, chunk);
    },
  });
  const fail = (err: Error): void => {
    limit.destroy((err as { code?: unknown }).code === 'Z_DATA_ERROR' ? invalidGzip(err) : err);
  };
  // A client that goes away mid-body closes the request without an end: that fails the upload too.
  const closed = (): void => {
    if (!source.readableEnded) fail(new Error('The client closed the connection before the body ended'));
  };
  source.on('error', fail);
  source.on('close', closed);
  source.pipe(limit);
  try {
    await pipeline(limit, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    return size;
  } finally {
    source.off('error', fail);
    source.off('close', closed);
    source.unpipe(limit);
  }
}

/** Runs `work` with the path `name` in a new private directory under `dir` (default: the OS temp dir), then removes it. */
export async function withTempFile<T>(
  dir: string | undefined,
  name: string,
  work: (path: string) => Promise<T>,
): Promise<T> {
  const folder = await mkdtemp(join(dir ?? tmpdir(), 'keyway-upload-'));
  try {
    return await work(join(folder, name));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Streams the upload of `request` into a new file at `path` and returns its size. `body` is what the content-type
 * parser passed on: the request itself, or the inflating stream of {@link gunzipUpload}. On a refusal the rest
 * of the body is read and dropped, so the client gets the answer and the connection stays usable.
 */
export async function receiveUpload(
  request: FastifyRequest,
  body: Readable,
  path: string,
  maxBytes: number,
): Promise<number> {
  const gzipped = mediaTypeOf(request) === 'application/gzip';
  const source = gzipped ? body.pipe(createGunzip()) : body;
  const drop = (): void => {
    for (const stream of new Set([source, body])) if (stream !== request.raw) stream.destroy();
    request.raw.unpipe();
    request.raw.resume();
  };
  // A body that says it is too large is refused before a byte of it is read (inflated sizes are counted).
  const declared = Number(request.headers['content-length']);
  if (!gzipped && body === request.raw && declared > maxBytes) {
    drop();
    throw bodyTooLarge(maxBytes);
  }
  try {
    return await streamToFile(source, path, maxBytes);
  } catch (err) {
    drop();
    throw err;
  }
}
