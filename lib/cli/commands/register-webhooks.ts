// `register-webhooks --url <base URL>`: subscribes the four ShipStation webhooks of each account to this deployment
// (never twice; another URL's subscription is reported and left alone), and the V2 tracking webhook with a V2 key.
import { REDUNDANT_TRACK_WEBHOOK_FIX, TRACKING_WEBHOOK_EVENT, type TrackingRegistration } from '../../use-cases/register-webhooks.js';
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

/**
 * Prints the account's V2 tracking webhook (`track_event_v2`, or a legacy `track`; or that tracking is off); false when
 * it could not be made.
 */
function reportTracking(io: CommandIo, accountId: string, tracking: TrackingRegistration): boolean {
  if (tracking.status === 'off') {
    io.write(`${accountId}  tracking off: no ShipStation V2 key (set shipStationV2.apiKey or SHIPSTATION_V2_API_KEY for tracking events)\n`);
    return true;
  }
  io.write(`${accountId}  tracking → ${tracking.targetUrl}\n`);
  for (const r of tracking.webhooks) {
    const note =
      r.status === 'other'
        ? `  ${r.targetUrl} ${OTHER_URL_NOTE}`
        : r.status === 'redundant'
          ? `  (the old event beside ${TRACKING_WEBHOOK_EVENT}, left alone: ${REDUNDANT_TRACK_WEBHOOK_FIX})`
          : '';
    io.write(`  ${`${r.event} (V2)`.padEnd(22)} ${r.status.padEnd(8)} id ${r.id}${note}\n`);
  }
  if (tracking.problem === undefined) return true;
  io.write(`  ${`${TRACKING_WEBHOOK_EVENT} (V2)`.padEnd(22)} ${'failed'.padEnd(8)} ${oneLine(tracking.problem.reason)}\n      fix: ${tracking.problem.fix}\n`);
  return false;
}

export const registerWebhooksCommand: Command<RegisterWebhooksOptions> = {
  name: 'register-webhooks',
  usage: [
    {
      synopsis: 'register-webhooks --url <base URL> [--account <id>]',
      summary: [
        'subscribe ORDER_NOTIFY, SHIP_NOTIFY, FULFILLMENT_SHIPPED and',
        'FULFILLMENT_REJECTED to <base URL>/webhooks/shipstation/<account>,',
        'and (with a V2 key) V2 track_event_v2 to <base URL>/webhooks/tracking/<account>',
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
      const { webhooks: results, tracking } = await w.registerWebhooks(account.id, baseUrl);
      const ours = results.find((r) => r.status !== 'other');
      if (ours !== undefined) io.write(`${account.id}  → ${ours.targetUrl}\n`);
      for (const r of results) {
        const note = r.status === 'other' ? `  ${r.targetUrl} ${OTHER_URL_NOTE}` : '';
        io.write(`  ${r.event.padEnd(22)} ${r.status.padEnd(8)} id ${r.id}${note}\n`);
      }
      const created = results.filter((r) => r.status === 'created').length;
      const exists = results.filter((r) => r.status === 'exists').length;
      const others = results.filter((r) => r.status === 'other').length;
      io.write(
        `${account.id}  ${count(created)} created, ${count(exists)} already registered${others > 0 ? `, ${count(others)} with another URL left alone` : ''}\n`,
      );
      if (!reportTracking(io, account.id, tracking)) failed += 1;
    }
    return failed === 0 ? 0 : 1;
  },
};
