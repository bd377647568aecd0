/**
 * Writes docs/connector.schema.json, the JSON Schema of low-code connector files, from the zod schema, formatted by
 * Prettier so `npm run format:check` accepts the generated file as it is.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { connectorJsonSchema } from '../src/lowcode';

async function main(): Promise<void> {
  const file = join(__dirname, '..', 'docs', 'connector.schema.json');
  const config = (await resolveConfig(file)) ?? {};
  writeFileSync(
    file,
    await format(JSON.stringify(connectorJsonSchema(), null, 2), { ...config, filepath: file }),
  );
}

void main();
