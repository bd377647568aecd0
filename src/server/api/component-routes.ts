/**
 * `/api/components`: list, publish a built bundle (raw bytes or base64 JSON, gzip accepted, up to the
 * deployment's `maxBundleBytes`) and list a component's versions.
 */
import { writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { KeywayError } from '../../errors';
import type { ServerConfig } from '../config';
import { nextCursor, pageOfList, pageQuery, pageRequest } from './pagination';
import type { DefineRoute } from './route';
import { ComponentSchema, ComponentVersionSchema, pageOf } from './responses';
import { PublishComponentBodySchema } from './schemas';
import type { ApiPort, ComponentSummary } from './types';
import {
  bodyTooLarge,
  gunzipUpload,
  isUploadStream,
  mediaTypeOf,
  receiveUpload,
  withTempFile,
} from './upload';

const keyParam = z.object({ key: z.string().min(1).max(200) });

/** True for the content types of a low-code connector file. */
function isYaml(request: FastifyRequest): boolean {
  const type = mediaTypeOf(request);
  return type === 'application/yaml' || type === 'text/yaml';
}

/**
 * Publishes the upload of `request` from a temporary file, as the CLI publishes from one: a raw body is
 * streamed there (see ./upload), the JSON body's base64 written there.
 */
async function publishUpload(
  api: ApiPort,
  config: ServerConfig,
  request: FastifyRequest,
  body: z.output<typeof PublishComponentBodySchema> | Readable,
): Promise<ComponentSummary> {
  const yaml = isYaml(request);
  return withTempFile(config.uploadDir, yaml ? 'connector.yaml' : 'index.js', async (path) => {
    let size: number;
    if (isUploadStream(body)) {
      size = await receiveUpload(request, body, path, config.maxBundleBytes);
    } else {
      const bytes = Buffer.from(body.bundleBase64, 'base64');
      if (bytes.length > config.maxBundleBytes) throw bodyTooLarge(config.maxBundleBytes);
      await writeFile(path, bytes, { flag: 'wx', mode: 0o600 });
      size = bytes.length;
    }
    if (size === 0) {
      throw new KeywayError('KW_REQUEST_INVALID', {
        message: 'The bundle is empty: send the built dist/index.js as the body',
        details: { issues: [{ path: 'body', message: 'empty' }] },
      });
    }
    // A low-code connector file is built into a bundle first, then published the same way.
    return yaml ? api.publishConnector(path) : api.publishComponent(path);
  });
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
    // Base64 in JSON is 4/3 of the bundle; a raw body is streamed, and held to maxBundleBytes while it is.
    bodyLimit: Math.ceil((config.maxBundleBytes * 4) / 3) + 1024,
    preParsing: gunzipUpload,
    // `body` is the unread stream when the upload was sent raw (see `upload`), the parsed JSON otherwise.
    async handle({ body, request }) {
      return { component: await publishUpload(api, config, request, body) };
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
