// ShipStation carrier codes → carrier names and public tracking-page templates (reference/peers.md §4).
// An unknown carrier gets no URL: a missing link is better than a wrong one in a customer's email.

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

/** The carrier's display name and tracking URL for a ShipStation carrier code, when we know them. */
export function describeCarrier(carrierCode: string | undefined, trackingNumber: string | undefined): { carrier?: string; trackingUrl?: string } {
  if (carrierCode === undefined) return {};
  const carrier = CARRIERS[carrierCode.toLowerCase()];
  if (carrier === undefined) return { carrier: carrierCode };
  const number = trackingNumber?.replace(/\s+/g, '');
  if (number === undefined || number === '' || carrier.trackingUrl === undefined) return { carrier: carrier.name };
  return { carrier: carrier.name, trackingUrl: carrier.trackingUrl(encodeURIComponent(number)) };
}
