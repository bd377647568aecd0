/** Rewrites docs/providers.md from the provider catalog (connections/catalog). */
import { writeFileSync } from 'node:fs';
import { PROVIDERS_PAGE, formattedProvidersPage } from './providers-page';

void formattedProvidersPage().then((page) => {
  writeFileSync(PROVIDERS_PAGE, page);
  console.log('docs/providers.md updated');
});
