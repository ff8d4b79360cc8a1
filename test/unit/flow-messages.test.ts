// The flow messages hold together as Klaviyo templates: block tags balanced, tags and variables well-formed, only the
// properties docs/events.md documents for each trigger metric, every optional value behind an `{% if %}`, the
// unsubscribe tag in every email, small HTML, and SMS bodies that fit one segment once rendered.
import { FLOW_EMAILS, FLOW_SMS, type FlowMessageKey, type FlowSmsKey } from '../../lib/domain/flow-messages.js';

// ── What docs/events.md documents, per metric ──────────────────────────────────────────────────────────────────────

const EVERY_EVENT = [
  'OrderId',
  'OrderNumber',
  'Items',
  'ItemNames',
  'SKUs',
  'ItemCount',
  'StoreId',
  'ShipToCity',
  'ShipToRegion',
  'ShipToPostalCode',
  'ShipToCountry',
  'IsGift',
  'Source',
];
const ORDER_STATUS = ['Status', 'OrderDate', 'ShipByDate', 'RequestedShippingService'];
const SHIPPED = [
  'FulfillmentType',
  'ShipmentId',
  'FulfillmentId',
  'Carrier',
  'CarrierCode',
  'Service',
  'ServiceCode',
  'TrackingNumber',
  'TrackingURL',
  'ShipDate',
  'FulfillmentProvider',
];
/** "Tracking events carry what a flow email needs on its own" (no FulfillmentProvider there). */
const TRACKING = [
  ...EVERY_EVENT,
  'ShipmentId',
  'FulfillmentId',
  'FulfillmentType',
  'Carrier',
  'CarrierCode',
  'Service',
  'ServiceCode',
  'TrackingNumber',
  'TrackingURL',
  'ShipDate',
  'EstimatedDeliveryDate',
  'ActualDeliveryDate',
  'TrackingStatus',
  'TrackingStatusDetail',
  'TrackingStatusDescription',
  'CarrierStatusDescription',
  'LastScanAt',
  'LastScanCity',
  'LastScanRegion',
  'LastScanCountry',
];

type Metric =
  | 'Order Awaiting Payment'
  | 'Order Awaiting Shipment'
  | 'Order On Hold'
  | 'Order Cancelled'
  | 'Order Shipped'
  | 'Shipment Out For Delivery'
  | 'Delivery Attempted'
  | 'Shipment Exception'
  | 'Order Delivered'
  | 'Shipment Stalled'
  | 'Order Delayed';

const DOCUMENTED: Record<Metric, ReadonlySet<string>> = {
  'Order Awaiting Payment': new Set([...EVERY_EVENT, ...ORDER_STATUS]),
  'Order Awaiting Shipment': new Set([...EVERY_EVENT, ...ORDER_STATUS]),
  'Order On Hold': new Set([...EVERY_EVENT, ...ORDER_STATUS, 'HoldUntilDate']),
  'Order Cancelled': new Set([...EVERY_EVENT, ...ORDER_STATUS]),
  'Order Shipped': new Set([...EVERY_EVENT, ...SHIPPED]),
  'Shipment Out For Delivery': new Set(TRACKING),
  'Delivery Attempted': new Set([...TRACKING, 'ExceptionDescription']),
  'Shipment Exception': new Set([...TRACKING, 'ExceptionDescription']),
  'Order Delivered': new Set([...TRACKING, 'AllShipmentsDelivered', 'ShipmentCount', 'DeliveredShipmentCount', 'DeliveredToServicePoint']),
  'Shipment Stalled': new Set([...TRACKING, 'DaysWithoutScan']),
  'Order Delayed': new Set([...EVERY_EVENT, 'DelayReason', 'Status', 'OrderDate', 'ShipByDate', 'HoursSinceOrder']),
};
const ITEM_FIELDS: ReadonlySet<string> = new Set(['SKU', 'ProductName', 'Quantity', 'ItemPrice', 'ImageURL']);
/** Documented values of properties a template compares against. */
const DOCUMENTED_VALUES: Record<string, readonly string[]> = { DelayReason: ['past_ship_by_date', 'no_label_in_time'] };

const EMAIL_TRIGGERS: Record<FlowMessageKey, Metric> = {
  'order-confirmation': 'Order Awaiting Shipment',
  'payment-reminder': 'Order Awaiting Payment',
  'on-hold-notice': 'Order On Hold',
  'shipping-confirmation': 'Order Shipped',
  'delivery-attempted': 'Delivery Attempted',
  'shipment-exception': 'Shipment Exception',
  'review-request': 'Order Delivered',
  'delay-apology': 'Order Delayed',
  'stalled-package': 'Shipment Stalled',
  'cancellation-winback': 'Order Cancelled',
  're-engagement': 'Order Shipped',
};
const SMS_TRIGGERS: Record<FlowSmsKey, Metric> = { 'shipping-confirmation': 'Order Shipped', 'out-for-delivery': 'Shipment Out For Delivery' };
const MARKETING: FlowMessageKey[] = ['review-request', 'cancellation-winback', 're-engagement'];

/** Values every event of these metrics carries, so they may print unguarded. */
const ALWAYS_PRESENT = new Set(['event.OrderNumber', 'item.ProductName', 'item.Quantity', 'organization.name']);

const EMAIL_KEYS = Object.keys(EMAIL_TRIGGERS) as FlowMessageKey[];
const SMS_KEYS = Object.keys(SMS_TRIGGERS) as FlowSmsKey[];

// ── A small parser and renderer for the subset of Klaviyo's template language the messages use ────────────────────────

type Condition = { path: string; equals?: string };
type Node =
  | { kind: 'text'; value: string }
  | { kind: 'var'; path: string; fallback?: string }
  | { kind: 'if'; branches: { when: Condition; body: Node[] }[]; otherwise?: Node[] }
  | { kind: 'for'; body: Node[] }
  | { kind: 'unsubscribe'; linkOnly: boolean };

const PATH = /^(event\.[A-Za-z]+|item\.[A-Za-z]+|person\.first_name|organization\.(name|url|full_address))$/;

function parseVariable(inner: string): Node {
  const match = /^ (\S+?)(?:\|default:"([^"]*)")? $/.exec(inner);
  if (!match || !PATH.test(match[1] ?? '')) throw new Error(`malformed variable {{${inner}}}`);
  return { kind: 'var', path: match[1] ?? '', ...(match[2] === undefined ? {} : { fallback: match[2] }) };
}

function parseCondition(text: string): Condition {
  const match = /^(\S+)(?: == '([a-z_]+)')?$/.exec(text);
  if (!match || !PATH.test(match[1] ?? '')) throw new Error(`malformed condition '${text}'`);
  return { path: match[1] ?? '', ...(match[2] === undefined ? {} : { equals: match[2] }) };
}

type Frame = { node: Extract<Node, { kind: 'if' | 'for' }>; open: Node[] };

/** Parses a template, throwing on a stray brace, an unknown tag or filter, or an unbalanced block. */
function parse(template: string): Node[] {
  const root: Node[] = [];
  const stack: Frame[] = [];
  const current = (): Node[] => stack.at(-1)?.open ?? root;
  const pushText = (value: string): void => {
    if (/[{}]/.test(value)) throw new Error(`stray brace in '${value.slice(0, 60)}'`);
    if (value !== '') current().push({ kind: 'text', value });
  };
  let last = 0;
  for (const match of template.matchAll(/\{\{([^{}]*)\}\}|\{%([^{}%]*)%\}/g)) {
    pushText(template.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[1] !== undefined) {
      current().push(parseVariable(match[1]));
      continue;
    }
    const tag = /^ (\w+)(?: (.*?))? $/.exec(match[2] ?? '');
    if (!tag) throw new Error(`malformed tag {%${match[2]}%}`);
    const [, name, args = ''] = tag;
    const top = stack.at(-1);
    if (name === 'if') {
      const node: Frame['node'] = { kind: 'if', branches: [{ when: parseCondition(args), body: [] }] };
      current().push(node);
      stack.push({ node, open: node.branches[0]?.body ?? [] });
    } else if (name === 'elif' || name === 'else') {
      if (top?.node.kind !== 'if' || top.node.otherwise) throw new Error(`{% ${name} %} outside an if, or after its else`);
      if (name === 'elif') {
        const branch = { when: parseCondition(args), body: [] };
        top.node.branches.push(branch);
        top.open = branch.body;
      } else {
        if (args !== '') throw new Error('{% else %} takes no argument');
        top.node.otherwise = [];
        top.open = top.node.otherwise;
      }
    } else if (name === 'endif' || name === 'endfor') {
      if (top?.node.kind !== (name === 'endif' ? 'if' : 'for') || args !== '') throw new Error(`unbalanced {% ${name} %}`);
      stack.pop();
    } else if (name === 'for') {
      if (args !== 'item in event.Items') throw new Error(`unexpected loop '${args}'`);
      const node: Frame['node'] = { kind: 'for', body: [] };
      current().push(node);
      stack.push({ node, open: node.body });
    } else if (name === 'unsubscribe' || name === 'unsubscribe_link') {
      if (args !== '' && !(name === 'unsubscribe' && /^'[^']+'$/.test(args))) throw new Error(`malformed {% ${name} ${args} %}`);
      current().push({ kind: 'unsubscribe', linkOnly: name === 'unsubscribe_link' });
    } else {
      throw new Error(`unknown tag {% ${name} %}`);
    }
  }
  pushText(template.slice(last));
  if (stack.length > 0) throw new Error(`unclosed {% ${stack.at(-1)?.node.kind} %}`);
  return root;
}

type Scope = Record<'event' | 'person' | 'organization' | 'item', Record<string, unknown> | undefined>;

const lookup = (scope: Scope, path: string): unknown => {
  const [root, key] = path.split('.') as [keyof Scope, string];
  return scope[root]?.[key];
};
const truthy = (value: unknown): boolean => !(value === undefined || value === null || value === '' || value === false || value === 0);

function render(nodes: Node[], scope: Scope): string {
  return nodes
    .map((node) => {
      switch (node.kind) {
        case 'text':
          return node.value;
        case 'var': {
          const value = lookup(scope, node.path);
          return truthy(value) ? String(value) : (node.fallback ?? '');
        }
        case 'if': {
          const branch = node.branches.find(({ when }) => {
            const value = lookup(scope, when.path);
            return when.equals === undefined ? truthy(value) : value === when.equals;
          });
          return render(branch?.body ?? node.otherwise ?? [], scope);
        }
        case 'for': {
          const items = (scope.event?.Items ?? []) as Record<string, unknown>[];
          return items.map((item) => render(node.body, { ...scope, item })).join('');
        }
        case 'unsubscribe':
          return node.linkOnly ? 'https://manage.kmail-lists.com/unsubscribe' : '<a href="https://manage.kmail-lists.com/unsubscribe">Unsubscribe</a>';
      }
    })
    .join('');
}

/** Every variable and condition path, with the paths guarded by the `{% if %}` branches around it. */
function paths(nodes: Node[], guarded: ReadonlySet<string> = new Set()): { path: string; guarded: boolean; fallback: boolean; compared?: string }[] {
  return nodes.flatMap((node) => {
    switch (node.kind) {
      case 'var':
        return [{ path: node.path, guarded: guarded.has(node.path), fallback: node.fallback !== undefined }];
      case 'if':
        return [
          ...node.branches.flatMap(({ when, body }) => [
            { path: when.path, guarded: true, fallback: false, ...(when.equals === undefined ? {} : { compared: when.equals }) },
            ...paths(body, when.equals === undefined ? new Set([...guarded, when.path]) : guarded),
          ]),
          ...paths(node.otherwise ?? [], guarded),
        ];
      case 'for':
        return [{ path: 'event.Items', guarded: true, fallback: false }, ...paths(node.body, guarded)];
      default:
        return [];
    }
  });
}

const partsOf = (key: FlowMessageKey): string[] => Object.values(FLOW_EMAILS[key]);

/** Names after `event.` and `item.` anywhere in the text, comments included. */
const namesAfter = (prefix: 'event' | 'item', text: string): string[] =>
  [...text.matchAll(new RegExp(`\\b${prefix}\\.([A-Za-z_]+)`, 'g'))].map((m) => m[1] ?? '');

// ── Sample values ─────────────────────────────────────────────────────────────────────────────────────────────────────

const ITEMS = [
  { SKU: 'MUG-BLUE', ProductName: 'Blue Mug', Quantity: 2, ItemPrice: 14.99, ImageURL: 'https://cdn.example.com/mug.jpg' },
  { SKU: 'TEA-01', ProductName: 'Breakfast Tea', Quantity: 1, ItemPrice: 4.99 },
];
const FULL_EVENT = {
  OrderNumber: '100234567',
  Items: ITEMS,
  ItemCount: 3,
  IsGift: true,
  ShipToCity: 'Brooklyn',
  HoldUntilDate: '2026-05-04',
  ShipByDate: '2026-04-30',
  DelayReason: 'past_ship_by_date',
  Carrier: 'USPS',
  Service: 'USPS Ground Advantage',
  TrackingNumber: '9400111899223197428490',
  TrackingURL: 'https://klv3.io/382aNpW5',
  ShipDate: '2026-04-28',
  ExceptionDescription: 'Business closed',
  DaysWithoutScan: 6,
  TrackingStatusDescription: 'In Transit',
  LastScanCity: 'Denver',
};
/** Only what every event of these metrics carries. */
const BARE_EVENT = { OrderNumber: '1001', Items: [{ SKU: 'MUG-BLUE', ProductName: 'Blue Mug', Quantity: 1 }] };
const SHOP = { name: 'Harbor Goods', url: 'https://harborgoods.example', full_address: '1 Main St, Portland, ME 04101' };

const scope = (event: Record<string, unknown>, more: Partial<Scope> = {}): Scope => ({
  event,
  person: { first_name: 'Alexandra' },
  organization: SHOP,
  item: undefined,
  ...more,
});

const renderEmail = (key: FlowMessageKey, s: Scope): { html: string; text: string; subject: string } => ({
  html: render(parse(FLOW_EMAILS[key].html), s),
  text: render(parse(FLOW_EMAILS[key].text), s),
  subject: render(parse(FLOW_EMAILS[key].subject), s),
});

// ── Emails ───────────────────────────────────────────────────────────────────────────────────────────────────────────

describe('FLOW_EMAILS', () => {
  it.each(EMAIL_KEYS)('%s: subject, preview, HTML and text parse, with balanced block tags and no stray braces', (key) => {
    // Act & Assess
    for (const part of partsOf(key)) expect(() => parse(part)).not.toThrow();
  });

  it.each(EMAIL_KEYS)('%s uses only properties docs/events.md documents for its trigger metric', (key) => {
    // Prepare
    const documented = DOCUMENTED[EMAIL_TRIGGERS[key]];
    const text = partsOf(key).join('\n');

    // Act
    const events = namesAfter('event', text);
    const items = namesAfter('item', text);
    const compared = partsOf(key).flatMap((part) => paths(parse(part)).filter((p) => p.compared !== undefined));

    // Assess
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((name) => !documented.has(name))).toEqual([]);
    expect(items.filter((name) => !ITEM_FIELDS.has(name))).toEqual([]);
    for (const { path, compared: value } of compared) expect(DOCUMENTED_VALUES[path.replace('event.', '')]).toContain(value);
  });

  it.each(EMAIL_KEYS)('%s prints every optional value inside an {%% if %%} on that value, or with a default', (key) => {
    // Act
    const unguarded = partsOf(key)
      .flatMap((part) => paths(parse(part)))
      .filter((p) => !p.guarded && !p.fallback && !ALWAYS_PRESENT.has(p.path) && p.path !== 'person.first_name');

    // Assess
    expect(unguarded).toEqual([]);
  });

  it.each(EMAIL_KEYS)('%s greets the buyer by first name, or "there"', (key) => {
    // Act
    const { html, text } = renderEmail(key, scope(BARE_EVENT, { person: {} }));

    // Assess
    expect(FLOW_EMAILS[key].html).toContain('{{ person.first_name|default:"there" }}');
    expect(html).toContain('Hi there,');
    expect(text).toContain('Hi there,');
    expect(`${html}${text}`).not.toMatch(/dear customer/i);
  });

  it.each(MARKETING)("%s (marketing) carries Klaviyo's unsubscribe tag in its HTML and its text", (key) => {
    // Assess
    expect(FLOW_EMAILS[key].html).toContain('{% unsubscribe %}');
    expect(FLOW_EMAILS[key].text).toContain('{% unsubscribe_link %}');
  });

  it.each(EMAIL_KEYS)('%s carries the unsubscribe tag too (order updates need it unless approved as transactional)', (key) => {
    // Assess
    expect(FLOW_EMAILS[key].html).toMatch(/\{% unsubscribe(_link)? %\}/);
    expect(FLOW_EMAILS[key].text).toContain('{% unsubscribe_link %}');
  });

  it.each(EMAIL_KEYS)('%s keeps its HTML under 6 KB', (key) => {
    // Assess
    expect(Buffer.byteLength(FLOW_EMAILS[key].html, 'utf8')).toBeLessThan(6 * 1024);
  });

  it.each(EMAIL_KEYS)('%s renders with every value present, leaving no template syntax behind', (key) => {
    // Act
    const rendered = renderEmail(key, scope(FULL_EVENT));

    // Assess
    for (const part of Object.values(rendered)) expect(part).not.toMatch(/\{\{|\}\}|\{%|%\}/);
    expect(rendered.html).toContain('100234567');
    expect(rendered.text).not.toMatch(/\n\s*\n\s*\n/);
  });

  it.each(EMAIL_KEYS)('%s renders with optional values absent: no empty link or image, no dangling words', (key) => {
    // Act
    const { html, text } = renderEmail(key, scope(BARE_EVENT, { organization: { name: 'Harbor Goods' } }));

    // Assess
    expect(html).not.toMatch(/(href|src)=""/);
    expect(`${html}\n${text}`).not.toMatch(
      /\b(by|until|to|in|on)\s*[.,<]|\b(Carrier|Shipping|Tracking number|Shipped on|note|told us|Track your package|Track it):\s*(<|\n|$)/,
    );
    expect(text).not.toMatch(/\n\s*\n\s*\n/); // an absent paragraph leaves no extra blank line
    expect(html).not.toContain('undefined');
    expect(text).not.toContain('undefined');
  });

  it.each(EMAIL_KEYS.filter((key) => FLOW_EMAILS[key].html.includes('event.Items')))('%s lists each item with its image, name and quantity', (key) => {
    // Act
    const { html, text } = renderEmail(key, scope(FULL_EVENT));

    // Assess
    expect(html).toContain('src="https://cdn.example.com/mug.jpg"');
    expect(html).toContain('Blue Mug');
    expect(html).toContain('Breakfast Tea');
    expect(text).toContain('- Blue Mug');
    expect(html.match(/<img /g)).toHaveLength(1); // the tea has no image: no empty <img>
  });

  describe('shipping-confirmation', () => {
    it('links the tracking page when there is a link, and says nothing of one when there is none', () => {
      // Act
      const tracked = renderEmail('shipping-confirmation', scope(FULL_EVENT));
      const untracked = renderEmail('shipping-confirmation', scope({ ...FULL_EVENT, TrackingURL: undefined }));

      // Assess
      expect(tracked.html).toContain('href="https://klv3.io/382aNpW5"');
      expect(tracked.text).toContain('Track your package: https://klv3.io/382aNpW5');
      expect(untracked.html).not.toContain('Track your package');
      expect(untracked.text).not.toContain('Track your package');
    });

    it('says the gift is on its way to its city only when the order is a gift', () => {
      // Act
      const gift = renderEmail('shipping-confirmation', scope(FULL_EVENT));
      const notGift = renderEmail('shipping-confirmation', scope({ ...FULL_EVENT, IsGift: false }));

      // Assess
      expect(gift.html).toContain('Your gift to Brooklyn is on its way.');
      expect(gift.text).toContain('Your gift to Brooklyn is on its way.');
      expect(notGift.html).not.toContain('gift');
    });

    it('speaks of the order neutrally, as a split order sends one per package', () => {
      // Assess
      expect(renderEmail('shipping-confirmation', scope(FULL_EVENT)).html).toContain("If it's coming in more than one package");
    });
  });

  describe('delay-apology', () => {
    it('names the ship-by date when there is one, and never leaves "by" without it', () => {
      // Act
      const dated = renderEmail('delay-apology', scope(FULL_EVENT));
      const undated = renderEmail('delay-apology', scope({ ...FULL_EVENT, ShipByDate: undefined }));

      // Assess
      expect(dated.html).toContain('by 2026-04-30');
      expect(undated.html).toContain('We meant to ship your order 100234567 sooner,');
      expect(undated.text).not.toMatch(/\bby\s*[,.]/);
    });

    it('explains a missing label without a date', () => {
      // Act
      const { html } = renderEmail('delay-apology', scope({ ...FULL_EVENT, DelayReason: 'no_label_in_time' }));

      // Assess
      expect(html).toContain('taking longer than usual');
      expect(html).not.toContain('2026-04-30');
    });
  });

  it('on-hold-notice names the hold-until date only when there is one', () => {
    // Act
    const dated = renderEmail('on-hold-notice', scope(FULL_EVENT));
    const undated = renderEmail('on-hold-notice', scope(BARE_EVENT));

    // Assess
    expect(dated.html).toContain('on hold for the moment, until 2026-05-04.');
    expect(undated.html).toContain('on hold for the moment.');
  });

  it('stalled-package says how long it has been quiet and where it was last seen', () => {
    // Act
    const { text } = renderEmail('stalled-package', scope(FULL_EVENT));

    // Assess
    expect(text).toContain("hasn't had a tracking update in 6 days. Last update: In Transit, in Denver.");
  });

  it.each<FlowMessageKey>(['delivery-attempted', 'shipment-exception'])("%s quotes the carrier's words", (key) => {
    // Act
    const { html } = renderEmail(key, scope(FULL_EVENT));

    // Assess
    expect(html).toContain('Business closed');
    expect(html).toContain('USPS');
  });

  it('review-request gives each item its own block with its image and name', () => {
    // Act
    const { html } = renderEmail('review-request', scope(FULL_EVENT));

    // Assess
    expect(html.match(/<div style="margin:0 0 16px;padding:16px/g)).toHaveLength(ITEMS.length);
    expect(html).toContain('<img src="https://cdn.example.com/mug.jpg"');
  });

  it('cancellation-winback carries a clearly marked line for the merchant to write their offer over', () => {
    // Assess
    expect(FLOW_EMAILS['cancellation-winback'].html).toContain('[Edit: your offer');
    expect(FLOW_EMAILS['cancellation-winback'].text).toContain('[Edit: your offer');
  });
});

// ── SMS ──────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** GSM-7's basic characters that plain English uses: anything else makes the SMS UCS-2, 70 characters a segment. */
const GSM_BASIC = /^[A-Za-z0-9 .,:;!?'"()/&%+=#@_$\-\n]*$/;
const LONG_USPS_LINK = 'https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490';

describe('FLOW_SMS', () => {
  it.each(SMS_KEYS)('%s parses, with balanced block tags and no stray braces', (key) => {
    // Act & Assess
    expect(() => parse(FLOW_SMS[key].body)).not.toThrow();
  });

  it.each(SMS_KEYS)('%s uses only properties docs/events.md documents for its trigger metric, each guarded', (key) => {
    // Prepare
    const documented = DOCUMENTED[SMS_TRIGGERS[key]];

    // Act
    const events = namesAfter('event', FLOW_SMS[key].body);
    const unguarded = paths(parse(FLOW_SMS[key].body)).filter((p) => !p.guarded && !p.fallback && !ALWAYS_PRESENT.has(p.path));

    // Assess
    expect(events.filter((name) => !documented.has(name))).toEqual([]);
    expect(unguarded).toEqual([]);
  });

  it.each(
    SMS_KEYS.flatMap(
      (key) =>
        [
          [key, 'a short link', scope(FULL_EVENT)],
          [key, 'no link', scope({ ...FULL_EVENT, TrackingURL: undefined })],
          [key, 'no first name', scope(FULL_EVENT, { person: {} })],
          [key, 'an unshortened USPS link', scope({ ...FULL_EVENT, TrackingURL: LONG_USPS_LINK })],
        ] as [FlowSmsKey, string, Scope][],
    ),
  )('%s renders within one 160-character GSM-7 segment with %s', (key, _case, values) => {
    // Act
    const body = render(parse(FLOW_SMS[key].body), values);

    // Assess
    expect(body.length).toBeLessThanOrEqual(160);
    expect(body).toMatch(GSM_BASIC);
    expect(body).not.toMatch(/\{|\}|undefined|\.\./);
    expect(body).not.toMatch(/\bSTOP\b/i);
  });

  it.each(SMS_KEYS)('%s includes the tracking link when there is one', (key) => {
    // Act
    const body = render(parse(FLOW_SMS[key].body), scope(FULL_EVENT));

    // Assess
    expect(body).toContain('100234567');
    expect(body).toContain('https://klv3.io/382aNpW5');
  });
});
