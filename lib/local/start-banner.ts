// What `npm start` prints once the local stack is up: where webhooks go (the token masked, as in every printed line:
// the terminal is often shared or recorded), the stand-ins, and on the simulators what the demo shop does.
import { maskSecrets } from '../observability.js';
import type { LocalAws } from './aws-stand-ins.js';
import type { LocalStack } from './stack.js';

export interface StartBannerInput extends Pick<LocalStack, 'mode' | 'ignoredCredentials' | 'webhookUrl' | 'trackingUrl'> {
  aws: Pick<LocalAws, 'dynamodbEndpoint' | 'tableName' | 'sqsEndpoint'>;
  /** The simulators' addresses (simulated mode only). */
  simulators?: { shipStation: string; klaviyo: string };
  /** Real mode with no WEBHOOK_TOKEN and no accounts document: the stack made up a token no one can read back. */
  tokenMadeUp?: boolean;
  /** The simulated account's ShipStation API (SHIPSTATION_API; default v1). */
  api?: 'v1' | 'v2' | 'both';
  /** Scheduled polls (default on; off: the caller polls). */
  schedule?: boolean;
  /** The demo shop taking orders on its own (default on). */
  demo?: boolean;
  /** Where the stack wrote its endpoints for other processes. */
  endpointsFile?: string;
}

const API_LINES: Record<'v1' | 'v2' | 'both', string> = {
  v1: 'V1 key pair and V1 webhooks, plus a V2 key for tracking (SHIPSTATION_API=v2 runs the shop on V2 only)',
  v2: 'V2 only, as on a Standard or Premium plan (SHIPSTATION_API=v2): V2 pointer webhooks and the V2 poll, no V1 request; no Order Awaiting Payment',
  both: 'both keys (SHIPSTATION_API=both): every change reported by both APIs, each event sent once',
};

/** The banner's lines, every secret masked (the webhook token shows as its first 4 characters and `…`). */
export function startBanner(input: StartBannerInput): string[] {
  const lines = [''];
  if (input.ignoredCredentials.length > 0) {
    lines.push(
      `note: ${input.ignoredCredentials.join(', ')} set but not all of SHIPSTATION_API_KEY, SHIPSTATION_API_SECRET and KLAVIYO_PRIVATE_KEY; using the simulators instead.`,
    );
  }
  lines.push(
    `shipstation-klaviyo-sync running locally (${input.mode === 'simulated' ? 'built-in ShipStation and Klaviyo simulators' : 'real ShipStation and Klaviyo'})`,
    `  webhook URL:  ${maskSecrets(input.webhookUrl)}`,
    `  DynamoDB:     dynalite ${input.aws.dynamodbEndpoint} (table ${input.aws.tableName})`,
    `  SQS:          local-aws-sqs ${input.aws.sqsEndpoint}`,
  );
  if (input.simulators !== undefined) {
    lines.push(
      `  ShipStation:  simulator ${input.simulators.shipStation} (webhooks subscribed)`,
      `  API:          ${API_LINES[input.api ?? 'v1']}`,
      `  Klaviyo:      simulator ${input.simulators.klaviyo} — accepted events are printed below`,
      input.schedule === false
        ? "  Poll:         off (--no-schedule): run `npm run cli -- poll` with LOCAL_STACK_FILE set; the first imports the shop's last 14 days (40 orders)"
        : "  Poll:         every 60 s; the first one imports the shop's last 14 days (40 orders) as backfill events",
      ...(input.demo === false ? ['  Shop:         takes no orders on its own (--no-demo)'] : []),
      '  Key check:    at start and daily; operator alerts (the SNS topic in AWS) are printed below with ✉',
      `  Tracking:     signed V2 tracking webhooks → ${maskSecrets(input.trackingUrl)} (each label is scanned, out for delivery and delivered within ~25 s)`,
    );
  } else {
    lines.push(
      '  ShipStation cannot reach localhost: expose the webhook URL (e.g. through a tunnel) and register it in ShipStation',
      input.tokenMadeUp === true
        ? '  (this run made up its token: set WEBHOOK_TOKEN to a token of your own to register the URL).'
        : "  (its token, masked above, is your WEBHOOK_TOKEN, or the account's webhookToken).",
    );
  }
  if (input.endpointsFile !== undefined) {
    lines.push(`  Endpoints:    ${input.endpointsFile} (for the CLI: LOCAL_STACK_FILE=${input.endpointsFile} npm run cli -- <command>)`);
  }
  lines.push('Press Ctrl+C to stop.', '');
  return lines;
}
