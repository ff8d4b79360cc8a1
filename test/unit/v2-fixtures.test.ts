// Real ShipStation API V2 / ShipEngine payloads (test/fixtures/shipstation/v2/, sources in ../SOURCES.md) against the
// official V2 OpenAPI schemas copied into lib/local/shipstation-v2-schemas/. It holds:
// - each API response fixture against its schema: `GET /v2/shipments` and `GET /v2/labels` list responses (captured
//   behind SHIPMENT_CREATED_V2 / LABEL_CREATED_V2 webhooks, single and split shipment), a ShipEngine shipment and a
//   ShipEngine label. No real payload passes the spec as written, so each case names exactly where it departs from it
//   (a null the spec does not allow, an empty string under `minLength: 1`, an upstream-masked id, a spec bug) — the list
//   a V2 parser has to tolerate. A new departure, or one that goes away, fails the case;
// - that the schema can refuse: a mutated copy (unknown `shipment_status`, no `shipment_id`) gains exactly those errors;
// - each V2 pointer webhook body: only `resource_url` + `resource_type`, an https URL on api.shipstation.com whose path
//   matches the type, and which is the very query the paired list response's `links.first` pages through;
// - the shapes a parser must expect from these payloads (split shipments, money on the first split only, times).
// The 2025-08 spec has no fulfillments path and no webhook-body schema: those are checked by shape only.
// Reading the spec as JSON Schema (draft 2020 via ajv 8) needs three adaptations, all in lib/local/openapi-json-schema.ts (its SpecQuirks): `$ref`s to
// `$defs`; the spec's own `x-nullable: true` read as `nullable`; and `additionalProperties: false` dropped, because the
// spec puts it beside `allOf` (e.g. `shipment` = `allOf [partial_shipment]` with no properties of its own), which in
// JSON Schema refuses every property — and real responses carry fields the spec lacks (`ship_datetime`, `deliver_by_date`…).
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { definitionsOf, isNullableNoise } from '../../lib/local/openapi-json-schema.js';
import { fixture } from '../helpers/fixture-server.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- recorded payloads are read and mutated freely

interface SchemaFile {
  $comment: string;
  components: { schemas: Record<string, unknown> };
}

type SchemaName = 'list-shipments' | 'list-labels';

function validator(file: SchemaName, root: string): ValidateFunction {
  const copy = JSON.parse(readFileSync(new URL(`../../lib/local/shipstation-v2-schemas/${file}.schema.json`, import.meta.url), 'utf8')) as SchemaFile;
  // The spec lists in `required` names that its `allOf` branches declare; ajv's strictRequired/strictTypes would refuse that.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
  addFormatsModule.default(ajv);
  ajv.addFormat('url', true); // the spec's `url` component says `format: url`, which is no JSON Schema format
  return ajv.compile({
    $ref: `#/$defs/${root}`,
    $defs: definitionsOf(copy.components, { xNullable: true, openObjects: true }),
  });
}

function valueAt(body: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>(
      (node, key) => (node !== null && typeof node === 'object' ? (node as Json)[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined),
      body,
    );
}

/** Where a body departs from the schema: `path keyword`, array indexes as `*`, a refused null as keyword `null`. */
function departures(validate: ValidateFunction, body: unknown): string[] {
  if (validate(body)) return [];
  const found = new Set<string>();
  for (const error of validate.errors ?? []) {
    if (isNullableNoise(error)) continue;
    const path = error.instancePath.replace(/\/\d+(?=\/|$)/g, '/*') || '/';
    found.add(`${path} ${valueAt(body, error.instancePath) === null ? 'null' : error.keyword}`);
  }
  return [...found].sort();
}

const shipments = validator('list-shipments', 'list_shipments_response_body');
const labels = validator('list-labels', 'list_labels_response_body');
const shipment = validator('list-shipments', 'shipment');
const label = validator('list-labels', 'label');

const under = (prefix: string, paths: readonly string[]): string[] => paths.map((path) => `${prefix}${path}`);

/** Nulls the spec refuses (no `x-nullable`), in every shipment seen, ShipStation's and ShipEngine's. */
const SHIPMENT_NULLS = [
  '/advanced_options/collect_on_delivery null',
  '/advanced_options/fedex_freight null',
  '/order_source_code null',
  '/packages/*/external_package_id null',
];
/** ShipStation V2 shipments besides: more refused nulls, and `""` where the address schema says `minLength: 1`. */
const V2_SHIPMENT = [
  ...SHIPMENT_NULLS,
  '/items/*/order_source_code null',
  '/packages/*/products null',
  '/ship_to/geolocation null', // null on shipments, `[]` on labels
  '/ship_to/address_line2 minLength',
  '/ship_to/company_name minLength',
];
/** The single-shipment capture masks some ids upstream ("se-394477XXX"): not ShipStation's doing, but it fails `se_id`'s pattern. */
const MASKED_IDS = ['/shipments/*/carrier_id pattern', '/shipments/*/shipment_id pattern', '/shipments/*/warehouse_id pattern'];
/** ShipStation V2 labels: refused nulls and `""` strings. */
const V2_LABEL = [
  '/packages/*/external_package_id null',
  '/packages/*/paperless_download null',
  '/packages/*/qr_code_download null',
  '/rate_details/*/carrier_billing_code null',
  '/rate_details/*/carrier_memo null',
  '/requested_comparison_amount null',
  '/ship_to/address_line2 minLength',
  '/ship_to/company_name minLength',
];

describe('V2 API responses against the official V2 schemas', () => {
  it.each([
    ['v2/list_shipments_shipment_created_v2_pmcgee.json', shipments, [...under('/shipments/*', V2_SHIPMENT), ...MASKED_IDS]],
    // A 2.0-ounce split half: the spec's `weigth` (sic) schema says `exclusiveMinimum: 2` — a spec bug, real weights go lower.
    [
      'v2/list_shipments_shipment_created_v2_split_pmcgee.json',
      shipments,
      [...under('/shipments/*', V2_SHIPMENT), '/shipments/*/total_weight/value exclusiveMinimum'],
    ],
    ['v2/list_labels_label_created_v2_pmcgee.json', labels, under('/labels/*', V2_LABEL)],
    ['v2/list_labels_label_created_v2_split_pmcgee.json', labels, under('/labels/*', V2_LABEL)],
    // ShipEngine's shipment: `company_name: ""` on both our addresses, the buyer's phone null (and no `email` key at all).
    [
      'v2/shipengine_update_shipment_dotnet.json',
      shipment,
      [...SHIPMENT_NULLS, '/return_to/company_name minLength', '/ship_from/company_name minLength', '/ship_to/phone null'],
    ],
    // ShipEngine's label: `batch_id: ""` for a label bought outside a batch.
    ['v2/shipengine_create_label_from_rate_dotnet.json', label, ['/batch_id minLength', '/batch_id pattern', '/packages/*/external_package_id null']],
  ] as const)('%s departs from the schema only where known', (path, validate, expected) => {
    // Prepare
    const body = fixture(path);

    // Act
    const found = departures(validate, body);

    // Assess
    expect(found).toEqual([...expected].sort());
  });

  it('refuses a shipment with an unknown status or without its id', () => {
    // Prepare
    const body = fixture<Json>('v2/list_shipments_shipment_created_v2_split_pmcgee.json');
    const before = departures(shipments, body);
    body['shipments'][1]['shipment_status'] = 'shipped'; // V1 vocabulary; V2 has pending | processing | label_purchased | cancelled
    delete body['shipments'][1]['shipment_id'];

    // Act
    const after = departures(shipments, body);

    // Assess
    expect(after.filter((found) => !before.includes(found))).toEqual(['/shipments/* required', '/shipments/*/shipment_status enum']);
  });
});

describe('V2 pointer webhooks', () => {
  const cases = [
    ['v2/shipment_created_v2_webhook_pmcgee.json', 'SHIPMENT_CREATED_V2', '/v2/shipments', 'v2/list_shipments_shipment_created_v2_pmcgee.json', 'shipments'],
    ['v2/label_created_v2_webhook_pmcgee.json', 'LABEL_CREATED_V2', '/v2/labels', 'v2/list_labels_label_created_v2_pmcgee.json', 'labels'],
    [
      'pmcgee-personal/fulfillment_shipped_v2_webhook.json',
      'FULFILLMENT_SHIPPED_V2',
      '/v2/fulfillments',
      'pmcgee-personal/fulfillment_shipped_v2_resource_url_response.json',
      'fulfillments',
    ],
  ] as const;

  it.each(cases)('%s is a bare pointer to %s on %s', (path, type, pathname) => {
    // Prepare
    const body = fixture<Json>(path);
    delete body['_captured_at']; // the capturing repo's convention, not sent by ShipStation

    // Act
    const url = new URL(String(body['resource_url']));

    // Assess
    expect(Object.keys(body).sort()).toEqual(['resource_type', 'resource_url']);
    expect(body['resource_type']).toBe(type);
    expect([url.protocol, url.host, url.pathname]).toEqual(['https:', 'api.shipstation.com', pathname]);
    expect(url.search).not.toBe(''); // a filtered list (import_batch_id, batch_id, fulfillment_id…), never an id in the path
  });

  it.each(cases)('%s points at the very query its paired response pages through', (path, _type, _pathname, responsePath, list) => {
    // Prepare
    const pointer = new URL(String(fixture<Json>(path)['resource_url']));
    const response = fixture<Json>(responsePath);

    // Act
    const first = new URL(String(response['links']['first']['href']));

    // Assess
    expect(first.origin + first.pathname).toBe(pointer.origin + pointer.pathname);
    expect(Object.fromEntries([...first.searchParams].filter(([key]) => key !== 'page' && key !== 'page_size'))).toEqual(
      Object.fromEntries(pointer.searchParams),
    );
    expect(response[list]).toHaveLength(response['total']);
  });
});

describe('V2 shapes a parser must expect', () => {
  it('one split order is one webhook and two shipments sharing a shipment_number, its money on the first only', () => {
    // Prepare
    const { shipments: split } = fixture<Json>('v2/list_shipments_shipment_created_v2_split_pmcgee.json');

    // Act
    const view = (split as Json[]).map((s) => [s['shipment_id'], s['shipment_number'], s['amount_paid']['amount'], s['shipment_status']]);

    // Assess
    expect(view).toEqual([
      ['se-394496923', 'LW-TEST2', 218.73, 'pending'],
      ['se-394496920', 'LW-TEST2', 0, 'pending'],
    ]);
  });

  it('the two labels of a split share batch_id and external_shipment_id, each with its own tracking number', () => {
    // Prepare
    const { labels: split } = fixture<Json>('v2/list_labels_label_created_v2_split_pmcgee.json');

    // Act
    const view = (split as Json[]).map((l) => [l['label_id'], l['shipment_id'], l['batch_id'], l['external_shipment_id'], l['tracking_number']]);

    // Assess
    expect(view).toEqual([
      ['se-184986954', 'se-394496923', 'se-64620276', 'SEAuto-A9QmfQO4D0CEBEm3Q8Otvg', '383144914556'],
      ['se-184986950', 'se-394496920', 'se-64620276', 'SEAuto-A9QmfQO4D0CEBEm3Q8Otvg', '383144913218'],
    ]);
  });

  it('times are UTC with 0 to 7 fraction digits, and a ShipEngine shipment can be modified before it was created', () => {
    // Prepare
    const v2 = fixture<Json>('v2/list_shipments_shipment_created_v2_split_pmcgee.json')['shipments'][0];
    const seLabel = fixture<Json>('v2/shipengine_create_label_from_rate_dotnet.json');
    const seShipment = fixture<Json>('v2/shipengine_update_shipment_dotnet.json');

    // Act
    const times = [v2['created_at'], v2['modified_at'], v2['ship_date'], seLabel['created_at'], seShipment['created_at'], seShipment['modified_at']];

    // Assess
    expect(times).toEqual([
      '2026-08-12T20:01:37.08Z',
      '2026-08-12T20:01:37.683Z',
      '2026-08-12T00:00:00Z', // a date as midnight UTC
      '2021-08-27T16:29:56.8779097Z', // 7 digits: more than Date keeps
      '2021-08-27T16:29:25.257Z',
      '2021-08-27T16:29:25.24Z',
    ]);
    expect(Date.parse(seShipment['modified_at'])).toBeLessThan(Date.parse(seShipment['created_at']));
  });
});
