// `register-webhooks --url <base URL>`: subscribes each account to this deployment on every API it has a key for: the
// four V1 webhooks with a V1 key pair, every V2 webhook (the pointer events and tracking) with a V2 key. Never twice;
// another URL's subscription is reported and left alone; an event ShipStation refuses is reported with what it means.
import {
  REDUNDANT_TRACK_WEBHOOK_FIX,
  registrationFailed,
  TRACKING_WEBHOOK_EVENT,
  type ApiRegistration,
  type WebhookRegistration,
} from '../../use-cases/register-webhooks.js';
import { accountsFor, UsageError, type Command, type CommandIo, type CommandOptions } from '../command.js';
import { accountOf, ACCOUNT_FLAG, isSet, LOCAL_FLAG, readFlags, urlOf } from '../flags.js';
import { count, oneLine } from '../text.js';

export interface RegisterWebhooksOptions extends CommandOptions {
  url?: string;
  account?: string;
}

const NEEDS_URL = 'register-webhooks needs --url <deployed base URL>';
const FLAGS = [{ name: 'url', value: '<base URL>' }, ACCOUNT_FLAG, LOCAL_FLAG];
const OTHER_URL_NOTE = '(another URL, left alone; delete it in ShipStation if it is an old deployment)';
/** Width of the event column: the longest V1 event (FULFILLMENT_REJECTED) and V2 event (fulfillment_rejected_v2). */
const V1_EVENT_WIDTH = 22;
const V2_EVENT_WIDTH = 24;

/** `created 2, already registered 1[, with another URL left alone 1]`, as the V1 lines have always ended. */
function tally(webhooks: WebhookRegistration[]): string {
  const of = (status: WebhookRegistration['status']): number => webhooks.filter((r) => r.status === status).length;
  const others = of('other');
  return `${count(of('created'))} created, ${count(of('exists'))} already registered${others > 0 ? `, ${count(others)} with another URL left alone` : ''}`;
}

/** Prints the account's V1 subscriptions (or that the account has no V1 key pair, or why V1 failed beside a V2 key). */
function reportV1(io: CommandIo, accountId: string, v1: ApiRegistration): void {
  if (v1.status === 'off') {
    io.write(`${accountId}  V1 not used: no V1 key (the account runs on API V2 only)\n`);
    return;
  }
  io.write(`${accountId}  → ${v1.targetUrl}\n`);
  for (const r of v1.webhooks) {
    const note = r.status === 'other' ? `  ${r.targetUrl} ${OTHER_URL_NOTE}` : '';
    io.write(`  ${r.event.padEnd(V1_EVENT_WIDTH)} ${r.status.padEnd(8)} id ${r.id}${note}\n`);
  }
  if (v1.failure !== undefined) {
    io.write(`  ${'V1 webhooks'.padEnd(V1_EVENT_WIDTH)} ${'failed'.padEnd(8)} ${oneLine(v1.failure.reason)}\n      fix: ${v1.failure.fix}\n`);
    return;
  }
  io.write(`${accountId}  ${tally(v1.webhooks)}\n`);
}

/**
 * Prints the account's V2 webhooks (every event at its V2 endpoint; or that there is no V2 key), each event ShipStation
 * refused with what it means and the fix, and the V2 step's failure if the V2 API could not be used.
 */
function reportV2(io: CommandIo, accountId: string, v2: ApiRegistration): void {
  if (v2.status === 'off') {
    io.write(`${accountId}  tracking off: no ShipStation V2 key (set shipStationV2.apiKey or SHIPSTATION_V2_API_KEY for tracking events)\n`);
    return;
  }
  io.write(`${accountId}  V2 → ${v2.targetUrl}\n`);
  for (const r of v2.webhooks) {
    const note =
      r.status === 'other'
        ? `  ${r.targetUrl} ${OTHER_URL_NOTE}`
        : r.status === 'redundant'
          ? `  (the old event beside ${TRACKING_WEBHOOK_EVENT}, left alone: ${REDUNDANT_TRACK_WEBHOOK_FIX})`
          : '';
    io.write(`  ${r.event.padEnd(V2_EVENT_WIDTH)} ${r.status.padEnd(8)} id ${r.id}${note}\n`);
  }
  for (const p of v2.problems) {
    io.write(`  ${p.event.padEnd(V2_EVENT_WIDTH)} ${'failed'.padEnd(8)} ${oneLine(p.reason)}\n      means: ${p.meaning}\n      fix: ${p.fix}\n`);
  }
  if (v2.failure !== undefined) {
    io.write(`  ${'V2 webhooks'.padEnd(V2_EVENT_WIDTH)} ${'failed'.padEnd(8)} ${oneLine(v2.failure.reason)}\n      fix: ${v2.failure.fix}\n`);
    return;
  }
  const failed = v2.problems.length > 0 ? `, ${count(v2.problems.length)} failed` : '';
  io.write(`${accountId}  V2: ${tally(v2.webhooks)}${failed}\n`);
}

export const registerWebhooksCommand: Command<RegisterWebhooksOptions> = {
  name: 'register-webhooks',
  usage: [
    {
      synopsis: 'register-webhooks --url <base URL> [--account <id>]',
      summary: [
        'subscribe, with a V1 key pair, ORDER_NOTIFY, SHIP_NOTIFY, FULFILLMENT_SHIPPED',
        'and FULFILLMENT_REJECTED to <base URL>/webhooks/shipstation/<account>;',
        'with a V2 key, shipment_created_v2, label_created_v2, fulfillment_shipped_v2,',
        'fulfillment_rejected_v2 and track_event_v2 to',
        '<base URL>/webhooks/tracking/<account> (exit 1 when an event failed)',
      ],
    },
  ],
  flags: FLAGS,

  parse(args) {
    const flags = readFlags('register-webhooks', FLAGS, args);
    const local = isSet(flags, 'local');
    const account = accountOf(flags);
    const url = urlOf(flags);
    // --local defaults the URL to the local endpoint.
    if (url === undefined && !local) throw new UsageError(NEEDS_URL);
    return { ...(url === undefined ? {} : { url }), ...(account === undefined ? {} : { account }), local };
  },

  async run(options, context) {
    const { w, io } = context;
    const baseUrl = options.url ?? context.local?.baseUrl;
    if (baseUrl === undefined) throw new UsageError(NEEDS_URL);
    let failed = 0;
    for (const account of accountsFor(w, options.account)) {
      const { v1, v2 } = await w.registerWebhooks(account.id, baseUrl);
      reportV1(io, account.id, v1);
      reportV2(io, account.id, v2);
      if (registrationFailed(v1) || registrationFailed(v2)) failed += 1;
    }
    return failed === 0 ? 0 : 1;
  },
};
