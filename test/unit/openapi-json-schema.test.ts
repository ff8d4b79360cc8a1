// The OpenAPI → JSON Schema reading every schema check goes through: refs, extensions, nullable, and Klaviyo's
// `oneOf [integer, number]` read as "a number" (JSON Schema's oneOf would refuse every integer, which is both).
import { Ajv } from 'ajv';
import { toJsonSchema } from '../../lib/local/openapi-json-schema.js';

const accepts = (schema: unknown, value: unknown): boolean => new Ajv({ strict: true }).validate(schema as object, value);

describe('toJsonSchema', () => {
  it('reads oneOf [integer, number] as a number, in either order, so 0 and 120 pass and text does not', () => {
    for (const union of [
      [{ type: 'integer' }, { type: 'number' }],
      [{ type: 'number' }, { type: 'integer' }],
    ]) {
      const schema = toJsonSchema({ oneOf: union });
      expect(schema).toEqual({ type: 'number' });
      expect([0, 120, 1.5, '5'].map((value) => accepts(schema, value))).toEqual([true, true, true, false]);
    }
  });

  it('leaves any other oneOf as it is', () => {
    const union = [{ type: 'integer' }, { type: 'string' }];
    expect(toJsonSchema({ oneOf: union })).toEqual({ oneOf: union });
    expect(toJsonSchema({ oneOf: [{ type: 'integer', minimum: 1 }, { type: 'number' }] })).toEqual({
      oneOf: [{ type: 'integer', minimum: 1 }, { type: 'number' }],
    });
  });

  it('points refs at $defs, drops x- extensions and turns nullable beside a ref into anyOf with null', () => {
    expect(toJsonSchema({ $ref: '#/components/schemas/Link', nullable: true, 'x-klaviyo': 1 })).toEqual({
      anyOf: [{ $ref: '#/$defs/Link' }, { type: 'null' }],
    });
  });
});
