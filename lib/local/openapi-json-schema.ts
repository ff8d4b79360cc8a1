// OpenAPI schema objects as JSON Schema for ajv (strict mode): the Klaviyo request-body check (klaviyo-schema.ts) and
// the ShipStation V2 fixture tests read the official specs through this one conversion.

import type { ErrorObject } from 'ajv';

const REF_PREFIX = '#/components/schemas/';
const SCHEMA_MAP = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const SCHEMA_ONE = new Set(['items', 'additionalItems', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames']);
const SCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);

/** Where a spec departs from OpenAPI 3.0 in ways the reader must know about. */
export interface SpecQuirks {
  /** The spec marks nullable fields with `x-nullable: true` (ShipStation V2) instead of `nullable`. */
  xNullable?: boolean;
  /**
   * Drop `additionalProperties: false`: the spec puts it beside `allOf` (ShipStation V2), which in JSON Schema refuses
   * every property the `allOf` parts declare.
   */
  openObjects?: boolean;
}

/**
 * Turns one OpenAPI schema object into JSON Schema: refs point at `$defs`, `x-*` extensions are dropped, and `nullable`
 * next to `$ref`/`oneOf` (where ajv's own `nullable` keyword refuses to work without `type`) becomes
 * `anyOf [schema, null]`.
 */
export function toJsonSchema(schema: unknown, quirks: SpecQuirks = {}): unknown {
  if (Array.isArray(schema)) return schema.map((item) => toJsonSchema(item, quirks));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'x-nullable' && quirks.xNullable === true) {
      if (value === true) out['nullable'] = true;
    } else if (key.startsWith('x-') || (quirks.openObjects === true && key === 'additionalProperties' && value === false)) {
      continue;
    } else if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) {
      out[key] = `#/$defs/${value.slice(REF_PREFIX.length)}`;
    } else if (SCHEMA_MAP.has(key) && value !== null && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, toJsonSchema(sub, quirks)]));
    } else if (SCHEMA_ONE.has(key) || SCHEMA_LIST.has(key)) {
      out[key] = toJsonSchema(value, quirks);
    } else {
      out[key] = value;
    }
  }
  // Klaviyo's generated specs write "a number" as `oneOf [integer, number]`, which JSON Schema reads as "exactly one of":
  // every integer is both, so it would refuse 0, 5 or 120. Read as meant: a number.
  if (isIntegerOrNumber(out.oneOf)) {
    delete out.oneOf;
    out.type = 'number';
  }
  if ('nullable' in out && !('type' in out)) {
    const { nullable, ...rest } = out;
    return nullable === true ? { anyOf: [rest, { type: 'null' }] } : rest;
  }
  return out;
}

/** `oneOf [{type: integer}, {type: number}]` in either order, nothing else in either. */
function isIntegerOrNumber(union: unknown): boolean {
  if (!Array.isArray(union) || union.length !== 2) return false;
  const types = union.map((part: unknown) =>
    part !== null && typeof part === 'object' && Object.keys(part).length === 1 ? (part as { type?: unknown }).type : undefined,
  );
  return types.includes('integer') && types.includes('number');
}

/** Every component schema of a spec (or a copy of its schema parts) as `$defs`. */
export function definitionsOf(components: { schemas: Record<string, unknown> }, quirks: SpecQuirks = {}): Record<string, unknown> {
  return Object.fromEntries(Object.entries(components.schemas).map(([name, schema]) => [name, toJsonSchema(schema, quirks)]));
}

/** The `anyOf [schema, null]` wrapper adds "must be null" and "must match a schema in anyOf" to every real error under it. */
export function isNullableNoise(error: ErrorObject): boolean {
  return error.keyword === 'anyOf' || (error.keyword === 'type' && (error.params as { type: unknown }).type === 'null');
}
