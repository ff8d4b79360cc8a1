// The CLI's argument parser: each command with its flags, and a precise UsageError for everything else.
import { UsageError } from '../../lib/cli/command.js';
import { parseArgs } from '../../lib/cli/commands.js';

/** The invocation as `{ name, ...options }`, or `{ name: 'help' }`. */
function read(argv: readonly string[]): Record<string, unknown> {
  const invocation = parseArgs(argv);
  return invocation.help ? { name: 'help' } : { name: invocation.command.name, ...invocation.options };
}

describe('parseArgs', () => {
  it.each([
    [['poll'], { name: 'poll', local: false }],
    [['poll', '--account', 'acme'], { name: 'poll', account: 'acme', local: false }],
    [['poll', '--account=acme', '--local'], { name: 'poll', account: 'acme', local: true }],
    [['backfill', '--days', '7'], { name: 'backfill', days: 7, dryRun: false, local: false }],
    [['backfill', '--dry-run', '--days=30', '--account', 'acme'], { name: 'backfill', days: 30, account: 'acme', dryRun: true, local: false }],
    [['backfill', '--days', '3650', '--local'], { name: 'backfill', days: 3650, dryRun: false, local: true }],
    [
      ['register-webhooks', '--url', 'https://abc.execute-api.us-east-1.amazonaws.com/'],
      { name: 'register-webhooks', url: 'https://abc.execute-api.us-east-1.amazonaws.com/', local: false },
    ],
    [['register-webhooks', '--local'], { name: 'register-webhooks', local: true }],
    [['flows', 'install'], { name: 'flows', dryRun: false, local: false }],
    [
      ['flows', 'install', '--only', 'review-request, shipping-confirmation', '--account', 'acme', '--dry-run'],
      { name: 'flows', only: ['review-request', 'shipping-confirmation'], account: 'acme', dryRun: true, local: false },
    ],
    [['help'], { name: 'help' }],
    [['--help'], { name: 'help' }],
    [['backfill', '-h'], { name: 'help' }],
  ])('reads %j', (argv, expected) => {
    // Act
    const command = read(argv);

    // Assess
    expect(command).toEqual(expected);
  });

  it.each([
    [[], 'no command given'],
    [['pol'], 'unknown command "pol"'],
    [['--account', 'acme'], 'expected a command before --account'],
    [['poll', '--acount', 'acme'], 'unknown flag --acount'],
    [['poll', '-a', 'acme'], 'unknown flag -a'],
    [['poll', '--days', '3'], 'poll does not take --days'],
    [['poll', 'acme'], 'unexpected argument "acme" for poll'],
    [['poll', '--account'], '--account needs a value'],
    [['poll', '--account', '--local'], '--account needs a value'],
    [['poll', '--account='], '--account needs a value'],
    [['poll', '--account', 'Acme Inc'], '--account "Acme Inc" is not an account id (lowercase letters, digits and dashes)'],
    [['poll', '--account', 'a', '--account', 'b'], '--account is given twice'],
    [['poll', '--local=yes'], '--local takes no value'],
    [['backfill'], 'backfill needs --days <N>'],
    [['backfill', '--days', 'seven'], '--days must be a whole number of days from 1 to 3650, got "seven"'],
    [['backfill', '--days', '0'], '--days must be a whole number of days from 1 to 3650, got "0"'],
    [['backfill', '--days', '-3'], '--days must be a whole number of days from 1 to 3650, got "-3"'],
    [['backfill', '--days', '1.5'], '--days must be a whole number of days from 1 to 3650, got "1.5"'],
    [['backfill', '--days', '3651'], '--days must be a whole number of days from 1 to 3650, got "3651"'],
    [['register-webhooks'], 'register-webhooks needs --url <deployed base URL>'],
    [
      ['register-webhooks', '--url', 'abc.execute-api.us-east-1.amazonaws.com'],
      '--url "abc.execute-api.us-east-1.amazonaws.com" is not an absolute URL (e.g. https://abc123.execute-api.us-east-1.amazonaws.com)',
    ],
    [['register-webhooks', '--url', 'ftp://example.com'], '--url must be an https URL, got ftp'],
    [['register-webhooks', '--url', 'https://x.example.com', '--dry-run'], 'register-webhooks does not take --dry-run'],
    [['help', 'poll'], 'help takes no arguments, got "poll"'],
    [['flows'], 'flows needs what to do: install'],
    [['flows', 'update'], 'flows does install, got "update"'],
    [
      ['flows', 'install', '--only', 'thank-you'],
      '--only names no flow "thank-you" (flows: order-confirmation, payment-reminder, on-hold-notice, shipping-confirmation, out-for-delivery, ' +
        'delivery-attempted, shipment-exception, review-request, delay-apology, stalled-package, cancellation-winback, re-engagement)',
    ],
  ])('refuses %j: %s', (argv, message) => {
    // Act
    const parse = (): unknown => parseArgs(argv);

    // Assess
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(new UsageError(message));
  });
});
