#!/usr/bin/env node
// Re-creates a *.schema.json in this folder from one of Klaviyo's per-endpoint OpenAPI documents
// (https://github.com/klaviyo/openapi, openapi/stable/apis/<operationId>.json).
//
//   node lib/local/klaviyo-schemas/extract.mjs [--responses] <spec.json> <out.schema.json> [retrieved YYYY-MM-DD]
//
// Keeps the request-body schema (and with --responses the success response's body schema; a GET has only that one)
// and every components.schemas entry they reference (transitively),
// removes prose (description, example, examples, summary) and keeps every validation keyword.
// Property *names* such as a property called "description" are kept: the walk knows which
// keywords hold schemas and which hold maps of names to schemas.
import { readFileSync, writeFileSync } from 'node:fs';

const PROSE = new Set(['description', 'example', 'examples', 'summary']);
const SCHEMA_MAP = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const SCHEMA_ONE = new Set([
  'items',
  'additionalItems',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
]);
const SCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const REF_PREFIX = '#/components/schemas/';

const args = process.argv.slice(2);
const withResponses = args[0] === '--responses';
const [specPath, outPath, retrieved = new Date().toISOString().slice(0, 10)] = withResponses ? args.slice(1) : args;
if (!specPath || !outPath || !/^\d{4}-\d{2}-\d{2}$/.test(retrieved)) {
  process.stderr.write('usage: node extract.mjs [--responses] <spec.json> <out.schema.json> [retrieved YYYY-MM-DD]\n');
  process.exit(2);
}

const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const components = spec.components?.schemas ?? {};

const operations = Object.values(spec.paths ?? {}).flatMap((item) => Object.values(item));
if (operations.length !== 1) throw new Error(`expected exactly one operation, found ${operations.length}`);
const operation = operations[0];
/** The components.schemas name a request or response body refers to. */
const schemaNameOf = (body, what) => {
  const ref = Object.values(body?.content ?? {})[0]?.schema?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith(REF_PREFIX)) throw new Error(`${what} is not a components.schemas $ref`);
  return ref.slice(REF_PREFIX.length);
};
const bodySchemaName = operation.requestBody === undefined ? undefined : schemaNameOf(operation.requestBody, 'request body');
const successStatus = Object.keys(operation.responses ?? {}).find((status) => /^2\d\d$/.test(status));
const responseSchemaName =
  withResponses && successStatus !== undefined ? schemaNameOf(operation.responses[successStatus], `response ${successStatus}`) : undefined;
if (bodySchemaName === undefined && responseSchemaName === undefined) throw new Error('no request body (and no success response asked for with --responses)');

/** Copies a schema without its prose; data-valued keywords (enum, const, default, required, ...) are copied verbatim. */
function strip(schema) {
  if (Array.isArray(schema)) return schema.map(strip);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (PROSE.has(key)) continue;
    if (SCHEMA_MAP.has(key) && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strip(sub)]));
    } else if (SCHEMA_ONE.has(key) || SCHEMA_LIST.has(key)) {
      out[key] = strip(value);
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

/** Names of the components a schema refers to. */
function refsOf(schema, found = new Set()) {
  if (Array.isArray(schema)) schema.forEach((s) => refsOf(s, found));
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string') {
        if (!value.startsWith(REF_PREFIX)) throw new Error(`unsupported $ref ${value}`);
        found.add(value.slice(REF_PREFIX.length));
      } else refsOf(value, found);
    }
  }
  return found;
}

const keep = new Set();
const queue = [bodySchemaName, responseSchemaName].filter((name) => name !== undefined);
while (queue.length > 0) {
  const name = queue.shift();
  if (keep.has(name)) continue;
  if (!(name in components)) throw new Error(`unresolved $ref ${REF_PREFIX}${name}`);
  keep.add(name);
  queue.push(...refsOf(components[name]));
}

const schemas = {};
for (const name of Object.keys(components).sort()) if (keep.has(name)) schemas[name] = strip(components[name]);

const output = {
  'x-source': {
    url: `https://github.com/klaviyo/openapi/blob/main/openapi/stable/apis/${operation.operationId}.json`,
    revision: spec.info?.version,
    retrieved,
    note: [
      "components.schemas of Klaviyo's official OpenAPI document, descriptions removed",
      ...(bodySchemaName === undefined ? [] : [`request body schema: ${bodySchemaName}`]),
      ...(responseSchemaName === undefined ? [] : [`response body schema (${successStatus}): ${responseSchemaName}`]),
    ].join('; '),
  },
  components: { schemas },
};
writeFileSync(outPath, `${JSON.stringify(output, null, 2)}\n`);
process.stdout.write(
  `${outPath}: ${keep.size} schemas, request body ${bodySchemaName ?? '-'}, response ${responseSchemaName ?? '-'}, revision ${spec.info?.version}\n`,
);
