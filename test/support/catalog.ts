import type { ProviderDefinition } from '../../connections';

/** A value for every field of `provider` (its example, else its default), as a person would fill them in. */
export function exampleFieldValues(provider: ProviderDefinition): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, field] of Object.entries(provider.fields)) {
    const value = field.example ?? field.default;
    if (value !== undefined) values[name] = value;
  }
  return values;
}
