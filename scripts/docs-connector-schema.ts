/** Writes docs/connector.schema.json, the JSON Schema of low-code connector files, from the zod schema. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectorJsonSchema } from '../src/lowcode';

writeFileSync(
  join(__dirname, '..', 'docs', 'connector.schema.json'),
  `${JSON.stringify(connectorJsonSchema(), null, 2)}\n`,
);
