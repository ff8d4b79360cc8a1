// The Klaviyo schemas in lib/local/klaviyo-schemas are copies of Klaviyo's official OpenAPI documents. Where the team's
// reference specs sit beside the clone (as in CI), re-extracting them must give exactly the committed files, so the
// copies cannot drift. A user's clone has no ../shared; then there is nothing to compare against.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const specs = join(root, '..', 'shared', 'reference', 'specs');
/** Spec, copy, and the extractor's flags (`--responses`: the success response's schema too). */
const cases = [
  ['klaviyo-create-event.openapi.json', 'create-event.schema.json', []],
  ['klaviyo-bulk-create-events.openapi.json', 'bulk-create-events.schema.json', []],
  ['klaviyo-create-flow.openapi.json', 'create-flow.schema.json', ['--responses']],
  ['klaviyo-create-template.openapi.json', 'create-template.schema.json', ['--responses']],
  ['klaviyo-get-metrics.openapi.json', 'get-metrics.schema.json', ['--responses']],
  ['klaviyo-get-flows.openapi.json', 'get-flows.schema.json', ['--responses']],
] as const;
const haveSpecs = existsSync(specs);

describe('Klaviyo schema copies', () => {
  (haveSpecs ? it.each(cases) : it.skip.each(cases))('re-extracting %s gives the committed %s', (spec, copy, flags) => {
    // Prepare
    const committed = readFileSync(join(root, 'lib/local/klaviyo-schemas', copy), 'utf8');
    const retrieved = (JSON.parse(committed) as { 'x-source': { retrieved: string } })['x-source'].retrieved;
    const out = join(mkdtempSync(join(tmpdir(), 'klaviyo-schema-')), copy);

    // Act
    execFileSync(process.execPath, [join(root, 'lib/local/klaviyo-schemas/extract.mjs'), ...flags, join(specs, spec), out, retrieved]);

    // Assess
    expect(readFileSync(out, 'utf8')).toBe(committed);
  });
});
