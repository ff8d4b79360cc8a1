// --local: the embedded stack (dynalite, local SQS, the ShipStation and Klaviyo simulators) started for one command, and
// the drain that lets its consumers publish what the command enqueued. lib/local is loaded only when asked for.
import type { LocalStack } from '../local/stack.js';
import { maskEmail, maskPhone } from '../observability.js';
import type { CommandIo } from './command.js';
import { isoSeconds, oneLine, plural } from './text.js';

/** The simulated shop's past for `--local`. */
const LOCAL_SHOP_HISTORY = { orders: 40, days: 14 };

export interface LocalSession {
  stack: LocalStack;
  /** The local HTTP API's base URL (register-webhooks' default --url). */
  baseUrl: string;
  /** Lets the local consumers publish what the command enqueued, then says how much reached the Klaviyo simulator. */
  drain(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the embedded stack for one command: no schedule (the CLI polls), no webhook deliveries (the poll alone is
 * shown), and, on the simulators, a shop with two weeks of generated history (the same one `npm start` imports).
 */
export async function startLocal(io: CommandIo): Promise<LocalSession> {
  const { startLocalStack } = await import('../local/stack.js');
  let accepted = 0;
  const stack = await startLocalStack({
    consume: 'loop',
    pollIntervalSeconds: 0,
    webhookDeliveries: 0,
    shopHistory: LOCAL_SHOP_HISTORY,
    onEvent: (event) => {
      accepted += 1;
      const p = event.properties;
      const email = typeof event.profile.email === 'string' ? maskEmail(event.profile.email) : undefined;
      const phone = typeof event.profile.phone_number === 'string' ? maskPhone(event.profile.phone_number) : undefined;
      io.write(
        `klaviyo  ✔ ${isoSeconds(event.time ?? '')}  ${event.metric.padEnd(28)} order ${String(p.OrderNumber ?? p.OrderId ?? '?').padEnd(8)} ${email ?? phone ?? '(no contact)'}${event.backfill ? '  backfill' : ''}\n`,
      );
    },
    onError: (error) => io.writeError(`local runtime error: ${oneLine(error instanceof Error ? error.message : String(error))}\n`),
  });
  const baseUrl = stack.webhookUrl.slice(0, stack.webhookUrl.indexOf('/webhooks/shipstation/'));
  io.writeError(
    `local stack: ${stack.mode === 'simulated' ? 'ShipStation and Klaviyo simulators' : 'real ShipStation and Klaviyo'}, dynalite and local SQS; endpoint ${baseUrl}\n`,
  );
  if (stack.shipStation !== undefined) {
    io.writeError(`local stack: the simulated shop has ${LOCAL_SHOP_HISTORY.orders} orders over the last ${LOCAL_SHOP_HISTORY.days} days\n`);
  }
  const drain = async (): Promise<void> => {
    const { publishEvents, publishHistory } = stack.consumers;
    const deadline = Date.now() + 120_000;
    let quiet = 0;
    while (quiet < 3 && Date.now() < deadline) {
      const handed = (await publishEvents.pollOnce()) + (await publishHistory.pollOnce());
      quiet = handed === 0 ? quiet + 1 : 0;
      await sleep(300);
    }
    if (stack.klaviyo !== undefined) io.write(`local: ${plural(accepted, 'event')} reached the Klaviyo simulator\n`);
  };
  return { stack, baseUrl, drain };
}
