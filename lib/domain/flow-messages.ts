// The messages `flows install` puts in its draft flows: one email per flow (and an SMS where a text helps), written in
// Klaviyo's template language over the properties docs/events.md documents for the flow's trigger metric.
//
// Syntax checked against Klaviyo's own pages (found with the docs search, read as excerpts):
// - https://developers.klaviyo.com/en/docs/use_conditionals_in_messages: `{% if … %}` needs its `{% endif %}`; any number
//   of `{% elif … %}`, at most one `{% else %}`; the first true branch wins. The page names "for conditionals" that repeat
//   an element per list entry; the `{% for item in event.Items %}…{% endfor %}` form is the one integrations document.
// - https://help.klaviyo.com/hc/en-us/articles/115005078267: `{% unsubscribe %}` renders a link reading "Unsubscribe",
//   `{% unsubscribe 'text' %}` sets its text, `{% unsubscribe_link %}` gives only the URL (used in the plain-text part).
// - https://help.klaviyo.com/hc/en-us/articles/115006054267: Klaviyo requires an unsubscribe link in every email and adds
//   a basic one when it finds no tag; every email here carries its own.
// - https://help.klaviyo.com/hc/en-us/articles/27843522951707: event variables render only in a flow triggered by that
//   event, so each message uses its own trigger's properties only.
// - https://help.klaviyo.com/hc/en-us/articles/360035661191: an SMS holds 160 characters, 70 with an emoji or special
//   character; keep it under 153; links are shortened by Klaviyo. SMS bodies here are plain ASCII (GSM-7).
// - https://developers.klaviyo.com/en/docs/acceptable_date_and_timestamp_formats_for_profile_and_event_properties: a
//   date without a time is taken as midnight UTC. Our date-only properties (`ShipByDate`, `HoldUntilDate`, `ShipDate`)
//   are therefore printed as sent (YYYY-MM-DD), never through a date filter that could show the day before.
// Not found in the stored Klaviyo pages, used as commonly written: `|default:"…"` (Django's filter) and the account's
// `organization.name`, `organization.url` and `organization.full_address`; the URL and address are guarded by `{% if %}`.

/** An email: subject, preview, the template's HTML (Klaviyo's template language) and its plain-text part. */
export interface FlowEmail {
  subject: string;
  previewText: string;
  html: string;
  text: string;
}

/** An SMS body (Klaviyo's template language). */
export interface FlowSms {
  body: string;
}

export type FlowMessageKey =
  | 'order-confirmation'
  | 'payment-reminder'
  | 'on-hold-notice'
  | 'shipping-confirmation'
  | 'delivery-attempted'
  | 'shipment-exception'
  | 'review-request'
  | 'delay-apology'
  | 'stalled-package'
  | 'cancellation-winback'
  | 're-engagement';

export type FlowSmsKey = 'shipping-confirmation' | 'out-for-delivery';

const GREETING = `Hi {{ person.first_name|default:"there" }},`;

const P = 'margin:0 0 16px';
const MUTED = 'color:#6b7280';

/** A plain-text paragraph shown only when a condition holds (the first that does): its blank line goes inside the `{% if %}` too. */
interface OptionalParagraph {
  branches: [when: string, text: string][];
}
const optional = (when: string, text: string): OptionalParagraph => ({ branches: [[when, text]] });

const button = (href: string, label: string): string =>
  `<p style="margin:24px 0"><a href="${href}" style="display:inline-block;background:#111827;color:#ffffff;text-decoration:none;font-weight:bold;padding:12px 24px;border-radius:6px">${label}</a></p>`;

/** The tracking button, only when the event has a link (an unknown carrier has none). */
const TRACK_BUTTON = `{% if event.TrackingURL %}${button('{{ event.TrackingURL }}', 'Track your package')}{% endif %}`;
const TRACK_TEXT = optional('event.TrackingURL', 'Track your package: {{ event.TrackingURL }}');

/** A button to the shop, only when the account has a website set. */
const shopButton = (label: string): string => `{% if organization.url %}${button('{{ organization.url }}', label)}{% endif %}`;
const shopText = (label: string): OptionalParagraph => optional('organization.url', `${label}: {{ organization.url }}`);

/** The event's items: image (when there is one), name and quantity. */
const ITEMS_HTML = `{% for item in event.Items %}<div style="margin:0 0 12px;overflow:hidden">{% if item.ImageURL %}<img src="{{ item.ImageURL }}" alt="" width="64" height="64" style="float:left;width:64px;height:64px;object-fit:cover;border-radius:4px;margin-right:12px">{% endif %}<strong>{{ item.ProductName }}</strong><br><span style="${MUTED}">Qty {{ item.Quantity }}</span></div>{% endfor %}`;
/** Each item on its own line; follows the line that introduces the list. */
const ITEMS_TEXT = `{% for item in event.Items %}
- {{ item.ProductName }} (Qty {{ item.Quantity }}){% endfor %}`;

const itemsHtml = (title: string): string => `<p style="margin:24px 0 12px;font-weight:bold">${title}</p>${ITEMS_HTML}`;

const FOOTER_HTML = `<p style="margin:32px 0 0;font-size:12px;${MUTED}">{{ organization.name }}{% if organization.full_address %}, {{ organization.full_address }}{% endif %}<br>{% unsubscribe %}</p>`;
const FOOTER_TEXT = `--
{{ organization.name }}{% if organization.full_address %}, {{ organization.full_address }}{% endif %}
Unsubscribe: {% unsubscribe_link %}`;

interface EmailParts {
  subject: string;
  previewText: string;
  heading: string;
  /** Body HTML after the heading and greeting. */
  html: string[];
  /** The same, as plain-text paragraphs. */
  text: (string | OptionalParagraph)[];
}

/** One email: the body inside a single mobile-width column with inline styles, and its plain-text part. */
function email({ subject, previewText, heading, html, text }: EmailParts): FlowEmail {
  const page =
    `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{{ organization.name }}</title></head>` +
    `<body style="margin:0;padding:0;background:#f4f4f5"><div style="max-width:560px;margin:0 auto;padding:32px 20px;background:#ffffff;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#111827">` +
    `<h1 style="margin:0 0 16px;font-size:24px;line-height:1.25">${heading}</h1><p style="${P}">${GREETING}</p>${html.join('')}${FOOTER_HTML}</div></body></html>`;
  const paragraph = (part: string | OptionalParagraph): string =>
    typeof part === 'string'
      ? `\n\n${part}`
      : `${part.branches.map(([when, body], i) => `{% ${i === 0 ? 'if' : 'elif'} ${when} %}\n\n${body}`).join('')}{% endif %}`;
  const body = text.map(paragraph).join('');
  const plain = `${heading}\n\n${GREETING}${body}\n\n${FOOTER_TEXT}`;
  return { subject, previewText, html: page, text: plain };
}

/** What a stalled package last said: how long it has been quiet, its last status and where it was last scanned. */
const STALLED_NEWS =
  "A package from your order {{ event.OrderNumber }} hasn't had a tracking update {% if event.DaysWithoutScan %}in {{ event.DaysWithoutScan }} days{% else %}for a few days{% endif %}." +
  '{% if event.TrackingStatusDescription %} Last update: {{ event.TrackingStatusDescription }}{% if event.LastScanCity %}, in {{ event.LastScanCity }}{% endif %}.' +
  '{% elif event.LastScanCity %} It was last scanned in {{ event.LastScanCity }}.{% endif %}';

/** Emails per flow; the comment on each names its trigger metric (its `event` is that event's properties). */
export const FLOW_EMAILS: Record<FlowMessageKey, FlowEmail> = {
  // Order Awaiting Shipment: the order is in and paid.
  'order-confirmation': email({
    subject: 'Thanks for your order {{ event.OrderNumber }}',
    previewText: "We're getting it ready and will email you tracking as soon as it ships.",
    heading: 'Thanks for your order',
    html: [
      `<p style="${P}">We've received your order {{ event.OrderNumber }} and we're getting it ready to ship. We'll email you again with tracking as soon as it's on its way.</p>`,
      itemsHtml("Here's what you ordered:"),
      `<p style="${P}">Questions? Just reply to this email.</p>`,
      shopButton('Visit {{ organization.name }}'),
    ],
    text: [
      "We've received your order {{ event.OrderNumber }} and we're getting it ready to ship. We'll email you again with tracking as soon as it's on its way.",
      `Here's what you ordered:${ITEMS_TEXT}`,
      'Questions? Just reply to this email.',
      shopText('Visit {{ organization.name }}'),
    ],
  }),

  // Order Awaiting Payment, a day later if still unpaid.
  'payment-reminder': email({
    subject: 'Your order {{ event.OrderNumber }} is waiting for payment',
    previewText: "Once payment comes through, we'll get it ready to ship.",
    heading: 'Your order is waiting for payment',
    html: [
      `<p style="${P}">We haven't received payment for your order {{ event.OrderNumber }} yet, so it's paused for now. Once payment comes through, we'll get it ready to ship.</p>`,
      `<p style="${P}">Already paid? Thank you, and please ignore this email. If something went wrong, reply to this email and we'll help.</p>`,
      itemsHtml('In your order:'),
      shopButton('Visit {{ organization.name }}'),
    ],
    text: [
      "We haven't received payment for your order {{ event.OrderNumber }} yet, so it's paused for now. Once payment comes through, we'll get it ready to ship.",
      "Already paid? Thank you, and please ignore this email. If something went wrong, reply to this email and we'll help.",
      `In your order:${ITEMS_TEXT}`,
      shopText('Visit {{ organization.name }}'),
    ],
  }),

  // Order On Hold; HoldUntilDate (YYYY-MM-DD) may be absent.
  'on-hold-notice': email({
    subject: 'An update on your order {{ event.OrderNumber }}',
    previewText: "Your order is on hold for now. Here's what that means.",
    heading: 'Your order is on hold',
    html: [
      `<p style="${P}">We've put your order {{ event.OrderNumber }} on hold for the moment{% if event.HoldUntilDate %}, until {{ event.HoldUntilDate }}{% endif %}. Nothing is lost: it goes back in line to ship when the hold ends, and we'll email you tracking once it's on its way.</p>`,
      `<p style="${P}">Didn't expect this, or have a question? Just reply to this email.</p>`,
      itemsHtml('In your order:'),
      shopButton('Visit {{ organization.name }}'),
    ],
    text: [
      "We've put your order {{ event.OrderNumber }} on hold for the moment{% if event.HoldUntilDate %}, until {{ event.HoldUntilDate }}{% endif %}. Nothing is lost: it goes back in line to ship when the hold ends, and we'll email you tracking once it's on its way.",
      "Didn't expect this, or have a question? Just reply to this email.",
      `In your order:${ITEMS_TEXT}`,
      shopText('Visit {{ organization.name }}'),
    ],
  }),

  // Order Shipped: one per label or fulfilment, so a split order sends one per package (its own items).
  'shipping-confirmation': email({
    subject: 'Your order {{ event.OrderNumber }} is on its way',
    previewText: "Here's what's in the package and how to follow it.",
    heading: 'Your package is on its way',
    html: [
      `<p style="${P}">Good news: we've shipped your order {{ event.OrderNumber }}. If it's coming in more than one package, this email covers the items below and you'll get one for each of the others.</p>`,
      `{% if event.IsGift %}<p style="${P}">{% if event.ShipToCity %}Your gift to {{ event.ShipToCity }} is on its way.{% else %}Your gift is on its way.{% endif %}</p>{% endif %}`,
      `<div style="${P}">{% if event.Service %}Shipping: {{ event.Service }}<br>{% elif event.Carrier %}Carrier: {{ event.Carrier }}<br>{% endif %}{% if event.TrackingNumber %}Tracking number: {{ event.TrackingNumber }}<br>{% endif %}{% if event.ShipDate %}Shipped on: {{ event.ShipDate }}{% endif %}</div>`,
      itemsHtml('In this package:'),
      TRACK_BUTTON,
    ],
    text: [
      "Good news: we've shipped your order {{ event.OrderNumber }}. If it's coming in more than one package, this email covers the items below and you'll get one for each of the others.",
      optional('event.IsGift', '{% if event.ShipToCity %}Your gift to {{ event.ShipToCity }} is on its way.{% else %}Your gift is on its way.{% endif %}'),
      {
        branches: [
          ['event.Service', 'Shipping: {{ event.Service }}'],
          ['event.Carrier', 'Carrier: {{ event.Carrier }}'],
        ],
      },
      optional('event.TrackingNumber', 'Tracking number: {{ event.TrackingNumber }}'),
      optional('event.ShipDate', 'Shipped on: {{ event.ShipDate }}'),
      `In this package:${ITEMS_TEXT}`,
      TRACK_TEXT,
    ],
  }),

  // Delivery Attempted: the carrier's words in ExceptionDescription.
  'delivery-attempted': email({
    subject: 'Delivery attempted for your order {{ event.OrderNumber }}',
    previewText: "The carrier couldn't complete delivery. Here's what happens next.",
    heading: 'A delivery attempt was made',
    html: [
      `<p style="${P}">{{ event.Carrier|default:"The carrier" }} tried to deliver a package from your order {{ event.OrderNumber }} but couldn't complete the delivery.</p>`,
      `{% if event.ExceptionDescription %}<p style="${P}">The carrier's note: {{ event.ExceptionDescription }}</p>{% endif %}`,
      `<p style="${P}">Carriers usually try again on the next business day or leave a notice saying where to collect the package. The tracking page has the latest.</p>`,
      `{% if event.TrackingNumber %}<p style="${P}">Tracking number: {{ event.TrackingNumber }}</p>{% endif %}`,
      TRACK_BUTTON,
    ],
    text: [
      `{{ event.Carrier|default:"The carrier" }} tried to deliver a package from your order {{ event.OrderNumber }} but couldn't complete the delivery.`,
      optional('event.ExceptionDescription', "The carrier's note: {{ event.ExceptionDescription }}"),
      'Carriers usually try again on the next business day or leave a notice saying where to collect the package. The tracking page has the latest.',
      optional('event.TrackingNumber', 'Tracking number: {{ event.TrackingNumber }}'),
      TRACK_TEXT,
    ],
  }),

  // Shipment Exception: the carrier's words in ExceptionDescription.
  'shipment-exception': email({
    subject: 'An update on the delivery of your order {{ event.OrderNumber }}',
    previewText: "The carrier reported a problem with your package. We're keeping an eye on it.",
    heading: "There's a hold-up with your package",
    html: [
      `<p style="${P}">{{ event.Carrier|default:"The carrier" }} has reported a problem delivering a package from your order {{ event.OrderNumber }}.</p>`,
      `{% if event.ExceptionDescription %}<p style="${P}">What they told us: {{ event.ExceptionDescription }}</p>{% endif %}`,
      `<p style="${P}">Most of these clear up within a day or two. We're keeping an eye on it, and if there's anything you need to do, we'll let you know.</p>`,
      TRACK_BUTTON,
    ],
    text: [
      `{{ event.Carrier|default:"The carrier" }} has reported a problem delivering a package from your order {{ event.OrderNumber }}.`,
      optional('event.ExceptionDescription', 'What they told us: {{ event.ExceptionDescription }}'),
      "Most of these clear up within a day or two. We're keeping an eye on it, and if there's anything you need to do, we'll let you know.",
      TRACK_TEXT,
    ],
  }),

  // Order Delivered (the last package), 5 days later: one block per item.
  'review-request': email({
    subject: 'How are you liking your order?',
    previewText: 'A quick review helps other shoppers, and helps us too.',
    heading: 'How did we do?',
    html: [
      `<p style="${P}">Your order {{ event.OrderNumber }} arrived a few days ago, and we'd love to know what you think. A quick review helps other shoppers and helps us get better.</p>`,
      `{% for item in event.Items %}<div style="margin:0 0 16px;padding:16px;border:1px solid #e5e7eb;border-radius:8px;text-align:center">{% if item.ImageURL %}<img src="{{ item.ImageURL }}" alt="" width="160" style="width:160px;max-width:100%;height:auto;border-radius:4px">{% endif %}<p style="margin:12px 0 0;font-weight:bold">{{ item.ProductName }}</p></div>{% endfor %}`,
      `<!-- Edit: point this button at your reviews page. -->${shopButton('Write a review')}`,
      `<p style="${P}">Or just reply to this email. We read every one.</p>`,
    ],
    text: [
      "Your order {{ event.OrderNumber }} arrived a few days ago, and we'd love to know what you think. A quick review helps other shoppers and helps us get better.",
      'What you got:{% for item in event.Items %}\n- {{ item.ProductName }}{% endfor %}',
      shopText('Write a review'),
      'Or just reply to this email. We read every one.',
    ],
  }),

  // Order Delayed: DelayReason is past_ship_by_date or no_label_in_time; ShipByDate (YYYY-MM-DD) may be absent.
  'delay-apology': email({
    subject: 'Sorry, your order {{ event.OrderNumber }} is running late',
    previewText: "We're on it and will email you tracking as soon as it ships.",
    heading: 'Your order is running late',
    html: [
      `{% if event.DelayReason == 'past_ship_by_date' %}<p style="${P}">We meant to ship your order {{ event.OrderNumber }}{% if event.ShipByDate %} by {{ event.ShipByDate }}{% else %} sooner{% endif %}, and it hasn't left us yet. We're sorry about that.</p>{% else %}<p style="${P}">Your order {{ event.OrderNumber }} is taking longer than usual to get ready to ship. We're sorry about the wait.</p>{% endif %}`,
      `<p style="${P}">We're working on it and will email you tracking as soon as it's on its way. If you have any questions, just reply to this email.</p>`,
      itemsHtml('Your order:'),
      shopButton('Visit {{ organization.name }}'),
    ],
    text: [
      "{% if event.DelayReason == 'past_ship_by_date' %}We meant to ship your order {{ event.OrderNumber }}{% if event.ShipByDate %} by {{ event.ShipByDate }}{% else %} sooner{% endif %}, and it hasn't left us yet. We're sorry about that.{% else %}Your order {{ event.OrderNumber }} is taking longer than usual to get ready to ship. We're sorry about the wait.{% endif %}",
      "We're working on it and will email you tracking as soon as it's on its way. If you have any questions, just reply to this email.",
      `Your order:${ITEMS_TEXT}`,
      shopText('Visit {{ organization.name }}'),
    ],
  }),

  // Shipment Stalled: DaysWithoutScan, the last known status and where it was last scanned.
  'stalled-package': email({
    subject: "We're checking on your package for order {{ event.OrderNumber }}",
    previewText: "It hasn't had a tracking update in a while. We're on it.",
    heading: 'Your package seems to be stuck',
    html: [
      `<p style="${P}">${STALLED_NEWS}</p>`,
      `<p style="${P}">Packages sometimes go quiet for a few days and then turn up fine. We're keeping an eye on it and will follow up with {{ event.Carrier|default:"the carrier" }} if it doesn't move soon. You don't need to do anything for now.</p>`,
      TRACK_BUTTON,
    ],
    text: [
      STALLED_NEWS,
      `Packages sometimes go quiet for a few days and then turn up fine. We're keeping an eye on it and will follow up with {{ event.Carrier|default:"the carrier" }} if it doesn't move soon. You don't need to do anything for now.`,
      TRACK_TEXT,
    ],
  }),

  // Order Cancelled, 3 days later: invite them back; the merchant writes the offer over the marked line.
  'cancellation-winback': email({
    subject: "We'd love to have you back",
    previewText: 'Your order was cancelled, but the door is always open.',
    heading: "We'd love to have you back",
    html: [
      `<p style="${P}">Your order {{ event.OrderNumber }} was cancelled. Whatever the reason, no hard feelings. If you'd still like these, we're here:</p>`,
      ITEMS_HTML,
      `<p style="margin:24px 0;padding:12px 16px;border:2px dashed #d97706;background:#fffbeb">[Edit: your offer, such as a code and what it gives. Delete this line if you have none.]</p>`,
      shopButton('Shop again'),
    ],
    text: [
      `Your order {{ event.OrderNumber }} was cancelled. Whatever the reason, no hard feelings. If you'd still like these, we're here:${ITEMS_TEXT}`,
      '[Edit: your offer, such as a code and what it gives. Delete this line if you have none.]',
      shopText('Shop again'),
    ],
  }),

  // Order Shipped, 30 days later if they haven't ordered since: the items of that shipment.
  're-engagement': email({
    subject: "It's been a while. See what's new at {{ organization.name }}",
    previewText: "Here's what you picked last time.",
    heading: "It's been a while",
    html: [
      `<p style="${P}">About a month ago we shipped your order {{ event.OrderNumber }}. We hope you're enjoying it! If you're ready for more, here's what you picked last time:</p>`,
      ITEMS_HTML,
      shopButton('Shop now'),
    ],
    text: [
      `About a month ago we shipped your order {{ event.OrderNumber }}. We hope you're enjoying it! If you're ready for more, here's what you picked last time:${ITEMS_TEXT}`,
      shopText('Shop now'),
    ],
  }),
};

/** SMS bodies. Klaviyo adds the sender prefix and the opt-out line; bodies stay plain ASCII so one segment holds 160. */
export const FLOW_SMS: Record<FlowSmsKey, FlowSms> = {
  // Order Shipped: one per package, hence "a package from your order".
  'shipping-confirmation': {
    body: `Hi {{ person.first_name|default:"there" }}, a package from your order {{ event.OrderNumber }} has shipped{% if event.TrackingURL %}. Track it: {{ event.TrackingURL }}{% else %}.{% endif %}`,
  },
  // Shipment Out For Delivery.
  'out-for-delivery': {
    body: `Hi {{ person.first_name|default:"there" }}, a package from your order {{ event.OrderNumber }} is out for delivery{% if event.TrackingURL %}. Track it: {{ event.TrackingURL }}{% else %}.{% endif %}`,
  },
};
