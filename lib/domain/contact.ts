// Who a message can reach, as ShipStation writes it: addresses no one can receive mail at, and names that name a
// marketplace or a placeholder rather than a person. Pure rules, tested on real payloads.

/**
 * Whether an email address can receive mail at all (syntax, not existence): one `@`, a local part, and a domain of
 * dotted labels ending in a letter top-level domain. `1@1`, `a@b`, `name@localhost` and `a b@c.com` cannot.
 */
export function isDeliverableEmail(value: string): boolean {
  if (value.length > 254 || /\s/.test(value)) return false;
  const at = value.lastIndexOf('@');
  if (at < 1 || at !== value.indexOf('@')) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((label) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label))) return false;
  return /^[A-Za-z]{2,63}$/.test(labels[labels.length - 1] ?? '');
}

/**
 * Names that stand for a channel or for nobody: marketplaces write these into addresses they hide (Amazon's
 * fulfilment network, eBay's global shipping), and some stores fill blanks with them. Never a person's name.
 */
const PLACEHOLDER_NAMES = new Set([
  'amazon',
  'amazoncom',
  'amazonfba',
  'fba',
  'fulfilledbyamazon',
  'ebay',
  'walmart',
  'etsy',
  'shopify',
  'na',
  'n/a',
  'none',
  'null',
  'unknown',
  'customer',
  'guest',
  'test',
  '-',
  '.',
  'x',
]);

/** Whether an address name is a placeholder (see PLACEHOLDER_NAMES), compared without case, spaces or dots. */
export function isPlaceholderName(name: string): boolean {
  const squeezed = name.toLowerCase().replace(/[\s.]+/g, '');
  return squeezed === '' || PLACEHOLDER_NAMES.has(squeezed) || PLACEHOLDER_NAMES.has(name.trim().toLowerCase());
}

/** Whether two address names are the same person's, ignoring case, punctuation and spacing ("Holmes, Sherlock" too). */
export function sameName(a: string, b: string): boolean {
  const words = (name: string): string =>
    name
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w !== '')
      .sort()
      .join(' ');
  return words(a) === words(b);
}
