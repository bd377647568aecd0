import { readFileSync } from 'node:fs';
import { catalog } from '../../connections/catalog';
import { PROVIDERS_PAGE, formattedProvidersPage, renderProvidersPage } from '../../scripts/providers-page';

describe('docs/providers.md', () => {
  it('is in sync with the catalog (run `npm run docs:providers` after changing an entry)', async () => {
    expect(readFileSync(PROVIDERS_PAGE, 'utf8')).toBe(await formattedProvidersPage());
  });

  it('lists every provider with its grants and a section of sourced endpoints', () => {
    const page = renderProvidersPage();
    for (const provider of catalog) {
      expect(page).toContain(`| \`${provider.key}\` | ${provider.grantTypes.join(', ')} |`);
      expect(page).toContain(`### ${provider.key}\n`);
      const tokenSource = provider.sources.tokenUrl;
      if (provider.tokenUrl !== undefined && tokenSource?.startsWith('https://'))
        expect(page).toContain(`- tokenUrl: \`${provider.tokenUrl}\` ([source](${tokenSource}))`);
    }
  });
});
