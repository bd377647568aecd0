/**
 * Every relative link in the repository's markdown (README.md, docs/, the READMEs of bench/, connections/ and
 * components/) names a file or folder that exists, and a `#fragment` into a markdown file names one of its
 * headings (GitHub's anchor rule). Links to the web and links inside code are not checked. The README stays
 * at most 15 KB.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** The tracked markdown files (git's list, so nothing generated or vendored). */
function markdownFiles(): string[] {
  return execFileSync('git', ['ls-files', '*.md'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((path) => path !== '' && !path.includes('node_modules/'));
}

/** The text outside fenced code blocks and inline code spans. */
function prose(text: string): string {
  return text.replace(/^( {0,3})(```|~~~)[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The targets of inline links and images `[text](target "title")` and of reference definitions `[x]: target`. */
function linkTargets(text: string): string[] {
  const body = prose(text);
  const inline = [...body.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    (m) => m[1] ?? '',
  );
  const defined = [...body.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$/gm)].map((m) => m[1] ?? '');
  return [...inline, ...defined];
}

/** GitHub's anchors of a markdown file's headings (lowercase, punctuation dropped, spaces to `-`, repeats `-n`). */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading = ''] of prose(text).matchAll(/^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading
      .replace(/<[^>]+>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** What is wrong with `target` linked from `file`, or undefined when it resolves. */
function brokenLink(file: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return undefined; // web, mailto
  const [pathPart = '', fragment] = target.split('#', 2);
  const path = decodeURIComponent(pathPart.split('?')[0] ?? '');
  const absolute = path === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), path);
  if (relative(ROOT, absolute).startsWith('..')) return `${target}: leaves the repository`;
  if (!existsSync(absolute)) return `${target}: no such file`;
  if (
    fragment === undefined ||
    fragment === '' ||
    !absolute.endsWith('.md') ||
    statSync(absolute).isDirectory()
  ) {
    return undefined;
  }
  const anchors = headingAnchors(readFileSync(absolute, 'utf8'));
  return anchors.has(fragment.toLowerCase()) ? undefined : `${target}: no heading #${fragment}`;
}

describe('markdown links', () => {
  it('finds inline, image and reference links outside code, and GitHub heading anchors', () => {
    const text = [
      '# Keyway — the Two Commands',
      'See [cli](docs/cli.md#the-keyway-cli), ![logo](img/a.png "Logo") and `[not](a-link.md)`.',
      '```md',
      '[also not](inside-code.md)',
      '```',
      '[ref]: ../other.md',
      '## Two',
      '## Two',
    ].join('\n');
    expect(linkTargets(text)).toEqual(['docs/cli.md#the-keyway-cli', 'img/a.png', '../other.md']);
    expect([...headingAnchors(text)]).toEqual(['keyway--the-two-commands', 'two', 'two-1']);
  });

  it('resolves every relative link in the repository’s markdown to a file, and every fragment to a heading', () => {
    const files = markdownFiles();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/cli.md']));
    const broken = files.flatMap((file) =>
      linkTargets(readFileSync(join(ROOT, file), 'utf8')).flatMap((target) => {
        const problem = brokenLink(file, target);
        return problem === undefined ? [] : [`${file}: ${problem}`];
      }),
    );
    expect(broken).toEqual([]);
  });
});

describe('the README', () => {
  it('stays a front door of at most 15 KB; reference goes in docs/', () => {
    expect(statSync(join(ROOT, 'README.md')).size).toBeLessThanOrEqual(15 * 1024);
  });
});
