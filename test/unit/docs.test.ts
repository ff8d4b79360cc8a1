// The README and docs/ hold together: every relative link resolves to a file, every #anchor to a heading of that file
// (GitHub's slugs), and every `npm run …`, `npm start` and `npm test` they name is a script of package.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** A document's text without its fenced code blocks (a `[x](y)` in a shell sample is not a link). */
const prose = (text: string): string => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor of a heading: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');

const anchorsOf = (path: string): Set<string> =>
  new Set(
    prose(readFileSync(join(ROOT, path), 'utf8'))
      .split('\n')
      .flatMap((line) => /^#{1,6} (.*)$/.exec(line)?.slice(1) ?? [])
      .map(slug),
  );

const linksOf = (path: string): string[] =>
  [...prose(readFileSync(join(ROOT, path), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '').filter((target) => !/^[a-z]+:/.test(target));

describe('the README and docs/', () => {
  it('are split: the README keeps the product, the comparison, the two commands, the smallest configuration and links', () => {
    // Assess
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
    expect(DOCS).toEqual(expect.arrayContaining(['docs/configuration.md', 'docs/events.md', 'docs/architecture.md', 'docs/operations.md', 'docs/cli.md']));
    expect(Buffer.byteLength(readme)).toBeLessThan(12 * 1024);
  });

  it.each(DOCS)('%s: every relative link resolves, anchors included', (doc) => {
    // Act
    const broken = linksOf(doc).filter((target) => {
      const [path = '', anchor] = target.split('#');
      const file = path === '' ? doc : relative(ROOT, join(ROOT, dirname(doc), path));
      if (!existsSync(join(ROOT, file))) return true;
      return anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor);
    });

    // Assess
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s: every npm command it names is a script of package.json', (doc) => {
    // Prepare
    const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const text = readFileSync(join(ROOT, doc), 'utf8');

    // Act
    const named = [...text.matchAll(/\bnpm run ([\w:-]+)/g), ...text.matchAll(/\bnpm (start|test)\b/g)].map((match) => match[1] ?? '');

    // Assess
    expect(named.filter((name) => !scripts.includes(name))).toEqual([]);
  });
});
