/**
 * `/api/components`: list, publish a built bundle (raw bytes or base64 JSON, gzip accepted, up to the
 * deployment's `maxBundleBytes`) and list a component's versions.
 */
import { createGunzip } from 'node:zlib';
import type { preParsingHookHandler } from 'fastify';
import { z } from 'zod';
import { KeywayError } from '../../errors';
import type { ServerConfig } from '../config';
import { nextCursor, pageOfList, pageQuery, pageRequest } from './pagination';
import type { DefineRoute } from './route';
import { ComponentSchema, ComponentVersionSchema, pageOf } from './responses';
import { PublishComponentBodySchema } from './schemas';
import type { ApiPort } from './types';

const keyParam = z.object({ key: z.string().min(1).max(200) });

/**
 * Inflates a gzip-encoded upload before the body parser reads it. The parser counts both the inflated bytes
 * and (through `receivedEncodedLength`) the bytes on the wire against the route's limit, so a small
 * compressed body cannot inflate past it.
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

/** The bundle bytes of a publish request: the raw body, or the JSON body's base64. */
function bundleOf(body: Buffer | z.output<typeof PublishComponentBodySchema>, maxBytes: number): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.bundleBase64, 'base64');
  if (bytes.length === 0) {
    throw new KeywayError('KW_REQUEST_INVALID', {
      message: 'The bundle is empty: send the built dist/index.js as the body',
      details: { issues: [{ path: 'body', message: 'empty' }] },
    });
  }
  if (bytes.length > maxBytes) {
    throw new KeywayError('KW_BODY_TOO_LARGE', {
      message: `The bundle is larger than this deployment accepts (${maxBytes} bytes; KEYWAY_MAX_BUNDLE_BYTES)`,
      details: { maxBytes },
    });
  }
  return bytes;
}

/** True for the content types of a low-code connector file. */
function isYaml(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  return type === 'application/yaml' || type === 'text/yaml';
}

/** Registers the component routes. */
export function registerComponentRoutes(define: DefineRoute, api: ApiPort, config: ServerConfig): void {
  define({
    method: 'GET',
    url: '/api/components',
    scope: 'components:read',
    operationId: 'listComponents',
    summary: 'List published and local components, paged by key',
    query: pageQuery,
    response: pageOf('components', ComponentSchema),
    async handle({ query }) {
      const page = pageOfList(await api.listComponents(), (c) => c.key, pageRequest(query));
      return { components: page.items, nextCursor: nextCursor(page) };
    },
  });

  define({
    method: 'POST',
    url: '/api/components',
    scope: 'components:write',
    operationId: 'publishComponent',
    summary:
      'Publish a built bundle (dist/index.js), or a low-code connector file as application/yaml, as the next version of its key',
    status: 201,
    body: PublishComponentBodySchema,
    upload: true,
    response: z.object({ component: ComponentSchema }),
    errors: [409, 413],
    // Base64 in JSON is 4/3 of the bundle; raw bodies are held to maxBundleBytes exactly in bundleOf.
    bodyLimit: Math.ceil((config.maxBundleBytes * 4) / 3) + 1024,
    preParsing: gunzipUpload,
    // `body` is the raw bytes when the upload was sent as such (see `upload`), the parsed JSON otherwise.
    async handle({ body, request }) {
      const bytes = bundleOf(body, config.maxBundleBytes);
      // A low-code connector file is built into a bundle first, then published the same way.
      if (isYaml(request.headers['content-type'])) {
        return { component: await api.publishConnector(bytes.toString('utf8')) };
      }
      return { component: await api.publishComponent(bytes) };
    },
  });

  define({
    method: 'GET',
    url: '/api/components/:key/versions',
    scope: 'components:read',
    operationId: 'listComponentVersions',
    summary: 'List every published version of a component, oldest first',
    params: keyParam,
    query: pageQuery,
    response: pageOf('versions', ComponentVersionSchema),
    async handle({ params: { key }, query }) {
      const page = await api.componentVersions(key, pageRequest(query));
      if (page.items.length === 0 && query.cursor === undefined) {
        throw new KeywayError('KW_API_NOT_FOUND', { message: `No component "${key}"`, details: { key } });
      }
      return { versions: page.items, nextCursor: nextCursor(page) };
    },
  });
}
