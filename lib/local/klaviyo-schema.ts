import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { definitionsOf, isNullableNoise } from './openapi-json-schema.js';

export type KlaviyoEndpoint = 'create-event' | 'bulk-create-events';

/** One schema violation, located by a JSON pointer into the body so it can become a JSON:API `source.pointer`. */
export interface KlaviyoSchemaError {
  pointer: string;
  message: string;
}

interface SchemaFile {
  'x-source': { note: string };
  components: { schemas: Record<string, unknown> };
}

const FILES: Record<KlaviyoEndpoint, string> = {
  'create-event': './klaviyo-schemas/create-event.schema.json',
  'bulk-create-events': './klaviyo-schemas/bulk-create-events.schema.json',
};

const cache = new Map<KlaviyoEndpoint, ValidateFunction>();

function requestBodySchemaName(file: SchemaFile): string {
  const match = /request body schema: (\w+)/.exec(file['x-source'].note);
  if (!match?.[1] || !(match[1] in file.components.schemas)) {
    throw new Error('Klaviyo schema file does not name its request body schema in x-source.note');
  }
  return match[1];
}

function compile(endpoint: KlaviyoEndpoint): ValidateFunction {
  const file = JSON.parse(readFileSync(new URL(FILES[endpoint], import.meta.url), 'utf8')) as SchemaFile;
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormatsModule.default(ajv);
  return ajv.compile({
    $id: `urn:shipstation-klaviyo-sync:klaviyo:${endpoint}`,
    $ref: `#/$defs/${requestBodySchemaName(file)}`,
    $defs: definitionsOf(file.components),
  });
}

function validatorFor(endpoint: KlaviyoEndpoint): ValidateFunction {
  let validate = cache.get(endpoint);
  if (!validate) {
    validate = compile(endpoint);
    cache.set(endpoint, validate);
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
export function findKlaviyoSchemaErrors(endpoint: KlaviyoEndpoint, body: unknown): KlaviyoSchemaError[] {
  const validate = validatorFor(endpoint);
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
export function validateKlaviyoBody(endpoint: KlaviyoEndpoint, body: unknown): string[] {
  return findKlaviyoSchemaErrors(endpoint, body).map((error) => `${error.pointer} ${error.message}`);
}
