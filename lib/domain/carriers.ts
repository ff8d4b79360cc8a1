// ShipStation carrier codes → carrier names and public tracking-page templates (reference/peers.md §4). Fulfilments
// name their carrier in free text ("USPS", "FedEx", "United Parcel Service"): matched without case or punctuation.
// An unknown carrier keeps its text and gets no URL: a missing link is better than a wrong one in a customer's email.

interface Carrier {
  name: string;
  trackingUrl?: (trackingNumber: string) => string;
}

const UPS: Carrier = { name: 'UPS', trackingUrl: (n) => `https://www.ups.com/track?tracknum=${n}` };
const USPS: Carrier = { name: 'USPS', trackingUrl: (n) => `https://tools.usps.com/go/TrackConfirmAction?tLabels=${n}` };
const FEDEX: Carrier = { name: 'FedEx', trackingUrl: (n) => `https://www.fedex.com/fedextrack/?trknbr=${n}` };
const DHL_EXPRESS: Carrier = { name: 'DHL Express', trackingUrl: (n) => `https://www.dhl.com/us-en/home/tracking/tracking-express.html?tracking-id=${n}` };
const DHL_ECOMMERCE: Carrier = { name: 'DHL eCommerce', trackingUrl: (n) => `https://webtrack.dhlecs.com/orders?trackingNumber=${n}` };
const CANADA_POST: Carrier = { name: 'Canada Post', trackingUrl: (n) => `https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=${n}` };
const ROYAL_MAIL: Carrier = { name: 'Royal Mail', trackingUrl: (n) => `https://www.royalmail.com/track-your-item#/tracking-results/${n}` };
const AUSTRALIA_POST: Carrier = { name: 'Australia Post', trackingUrl: (n) => `https://auspost.com.au/mypost/track/#/details/${n}` };

const CARRIERS: Record<string, Carrier> = {
  ups: UPS,
  ups_walleted: UPS,
  usps: USPS,
  stamps_com: USPS,
  endicia: USPS,
  express_1: USPS,
  fedex: FEDEX,
  fedex_walleted: FEDEX,
  dhl_express: DHL_EXPRESS,
  dhl_express_worldwide: DHL_EXPRESS,
  dhl_express_walleted: DHL_EXPRESS,
  dhl_global_mail: DHL_ECOMMERCE,
  dhl_ecommerce: DHL_ECOMMERCE,
  canada_post: CANADA_POST,
  royal_mail: ROYAL_MAIL,
  australia_post: AUSTRALIA_POST,
};

/** Names carriers go by in free text, squeezed (lower case, letters and digits only). "DHL" alone is not one: two carriers. */
const ALIASES: Record<string, Carrier> = {
  unitedparcelservice: UPS,
  unitedstatespostalservice: USPS,
  uspostalservice: USPS,
  stampscom: USPS,
  federalexpress: FEDEX,
  fedexground: FEDEX,
  fedexexpress: FEDEX,
  dhlexpress: DHL_EXPRESS,
  dhlecommerce: DHL_ECOMMERCE,
  dhlglobalmail: DHL_ECOMMERCE,
  canadapost: CANADA_POST,
  postescanada: CANADA_POST,
  royalmail: ROYAL_MAIL,
  australiapost: AUSTRALIA_POST,
  auspost: AUSTRALIA_POST,
};

const squeeze = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '');

/** A known carrier by ShipStation code (`stamps_com`) or by the name a fulfilment gives it (`USPS`, `FedEx`). */
function carrierOf(text: string): Carrier | undefined {
  const code = CARRIERS[text.trim().toLowerCase()];
  if (code !== undefined) return code;
  const squeezed = squeeze(text);
  return CARRIERS[squeezed] ?? ALIASES[squeezed] ?? Object.values(CARRIERS).find((c) => squeeze(c.name) === squeezed);
}

/** The carrier's display name and tracking URL for a ShipStation carrier code or a carrier's name, when we know them. */
export function describeCarrier(carrierCode: string | undefined, trackingNumber: string | undefined): { carrier?: string; trackingUrl?: string } {
  if (carrierCode === undefined || carrierCode.trim() === '') return {};
  const carrier = carrierOf(carrierCode);
  if (carrier === undefined) return { carrier: carrierCode.trim() };
  const number = trackingNumber?.replace(/\s+/g, '');
  if (number === undefined || number === '' || carrier.trackingUrl === undefined) return { carrier: carrier.name };
  return { carrier: carrier.name, trackingUrl: carrier.trackingUrl(encodeURIComponent(number)) };
}

/**
 * Display names of common services, as ShipStation's own lists name them: the V1 docs' `listservices` example (FedEx),
 * a recorded stamps_com list, and ShipEngine's carrier accounts (UPS, USPS); see test/fixtures/shipstation/SOURCES.md.
 * Used when the account's own list cannot be read (a history event, ShipStation unavailable); the account's list wins.
 */
const SERVICE_NAMES: Record<string, string> = {
  usps_first_class_mail: 'USPS First Class Mail',
  usps_media_mail: 'USPS Media Mail',
  usps_parcel_select: 'USPS Parcel Select Ground',
  usps_priority_mail: 'USPS Priority Mail',
  usps_priority_mail_express: 'USPS Priority Mail Express',
  usps_first_class_mail_international: 'USPS First Class Mail Intl',
  usps_priority_mail_international: 'USPS Priority Mail Intl',
  usps_priority_mail_express_international: 'USPS Priority Mail Express Intl',
  fedex_ground: 'FedEx Ground®',
  fedex_home_delivery: 'FedEx Home Delivery®',
  fedex_2day: 'FedEx 2Day®',
  fedex_2day_am: 'FedEx 2Day® A.M.',
  fedex_express_saver: 'FedEx Express Saver®',
  fedex_standard_overnight: 'FedEx Standard Overnight®',
  fedex_priority_overnight: 'FedEx Priority Overnight®',
  fedex_first_overnight: 'FedEx First Overnight®',
  fedex_international_priority: 'FedEx International Priority®',
  ups_ground: 'UPS® Ground',
  ups_3_day_select: 'UPS 3 Day Select®',
  ups_2nd_day_air: 'UPS 2nd Day Air®',
  ups_2nd_day_air_am: 'UPS 2nd Day Air AM®',
  ups_next_day_air: 'UPS Next Day Air®',
  ups_next_day_air_saver: 'UPS Next Day Air Saver®',
  ups_next_day_air_early_am: 'UPS Next Day Air® Early',
  ups_standard_international: 'UPS Standard®',
};

/** The display name ShipStation gives a common service code, when it is one we know. */
export function knownServiceName(serviceCode: string): string | undefined {
  return SERVICE_NAMES[serviceCode.trim().toLowerCase()];
}
