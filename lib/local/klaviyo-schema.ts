import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { definitionsOf, isNullableNoise } from './openapi-json-schema.js';

/** The event endpoints (the simulator's routes). */
export type KlaviyoEndpoint = 'create-event' | 'bulk-create-events';
/** Endpoints whose request bodies are checked. */
export type KlaviyoRequestEndpoint = KlaviyoEndpoint | 'create-flow' | 'create-template';
/** Endpoints whose success responses are checked (the simulator's answers, held to Klaviyo's schema). */
export type KlaviyoResponseEndpoint = 'create-flow' | 'create-template' | 'get-metrics' | 'get-flows';

/** One schema violation, located by a JSON pointer into the body so it can become a JSON:API `source.pointer`. */
export interface KlaviyoSchemaError {
  pointer: string;
  message: string;
}

interface SchemaFile {
  'x-source': { note: string };
  components: { schemas: Record<string, unknown> };
}

const FILES: Record<KlaviyoRequestEndpoint | KlaviyoResponseEndpoint, string> = {
  'create-event': './klaviyo-schemas/create-event.schema.json',
  'bulk-create-events': './klaviyo-schemas/bulk-create-events.schema.json',
  'create-flow': './klaviyo-schemas/create-flow.schema.json',
  'create-template': './klaviyo-schemas/create-template.schema.json',
  'get-metrics': './klaviyo-schemas/get-metrics.schema.json',
  'get-flows': './klaviyo-schemas/get-flows.schema.json',
};

type Part = 'request' | 'response';

const cache = new Map<string, ValidateFunction>();

/** The root schema of a request or response body, as the file's x-source.note names it. */
function rootSchemaName(file: SchemaFile, part: Part): string {
  const pattern = part === 'request' ? /request body schema: (\w+)/ : /response body schema \(\d+\): (\w+)/;
  const match = pattern.exec(file['x-source'].note);
  if (!match?.[1] || !(match[1] in file.components.schemas)) {
    throw new Error(`Klaviyo schema file does not name its ${part} body schema in x-source.note`);
  }
  return match[1];
}

function compile(endpoint: KlaviyoRequestEndpoint | KlaviyoResponseEndpoint, part: Part): ValidateFunction {
  const file = JSON.parse(readFileSync(new URL(FILES[endpoint], import.meta.url), 'utf8')) as SchemaFile;
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormatsModule.default(ajv);
  return ajv.compile({
    $id: `urn:shipstation-klaviyo-sync:klaviyo:${endpoint}:${part}`,
    $ref: `#/$defs/${rootSchemaName(file, part)}`,
    $defs: definitionsOf(file.components),
  });
}

function validatorFor(endpoint: KlaviyoRequestEndpoint | KlaviyoResponseEndpoint, part: Part = 'request'): ValidateFunction {
  const key = `${endpoint}:${part}`;
  let validate = cache.get(key);
  if (!validate) {
    validate = compile(endpoint, part);
    cache.set(key, validate);
  }
  return validate;
}

function describe(error: ErrorObject): KlaviyoSchemaError {
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty: string }).missingProperty);
    return { pointer: `${error.instancePath}/${missing}`, message: 'is required' };
  }
  const allowed = error.keyword === 'enum' ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : '';
  return { pointer: error.instancePath || '/', message: `${error.message ?? 'is invalid'}${allowed}` };
}

/**
 * Validates a request body against Klaviyo's official schema and reports each violation with its location,
 * so the simulator can answer like Klaviyo (`source.pointer`) and tests can say exactly what was wrong.
 */
export function findKlaviyoSchemaErrors(
  endpoint: KlaviyoRequestEndpoint | KlaviyoResponseEndpoint,
  body: unknown,
  part: Part = 'request',
): KlaviyoSchemaError[] {
  const validate = validatorFor(endpoint, part);
  if (validate(body)) return [];
  const all = validate.errors ?? [];
  const substantive = all.filter((error) => !isNullableNoise(error));
  const seen = new Set<string>();
  const errors: KlaviyoSchemaError[] = [];
  for (const error of substantive.length > 0 ? substantive : all) {
    const described = describe(error);
    const key = `${described.pointer} ${described.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      errors.push(described);
    }
  }
  return errors;
}

/** Validates a request body against Klaviyo's official schema; returns human-readable errors (empty when valid). */
export function validateKlaviyoBody(endpoint: KlaviyoRequestEndpoint, body: unknown): string[] {
  return findKlaviyoSchemaErrors(endpoint, body).map((error) => `${error.pointer} ${error.message}`);
}

/** Validates a success response body (what the simulator answers) against Klaviyo's official schema; errors as above. */
export function validateKlaviyoResponse(endpoint: KlaviyoResponseEndpoint, body: unknown): string[] {
  return findKlaviyoSchemaErrors(endpoint, body, 'response').map((error) => `${error.pointer} ${error.message}`);
}
