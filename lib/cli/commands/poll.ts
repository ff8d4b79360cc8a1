// `poll`: polls ShipStation now, from each account's cursor (an import if the account was never polled), and enqueues
// what changed for the stage's functions to send.
import { accountsFor, type Command, type CommandOptions } from '../command.js';
import { accountOf, ACCOUNT_FLAG, isSet, LOCAL_FLAG, readFlags } from '../flags.js';
import { pollAndReport } from '../poll-run.js';

export interface PollOptions extends CommandOptions {
  account?: string;
}

const FLAGS = [ACCOUNT_FLAG, LOCAL_FLAG];

export const pollCommand: Command<PollOptions> = {
  name: 'poll',
  usage: [{ synopsis: 'poll [--account <id>]', summary: ['poll ShipStation now and enqueue what changed'] }],
  flags: FLAGS,

  parse(args) {
    const flags = readFlags('poll', FLAGS, args);
    const account = accountOf(flags);
    return { ...(account === undefined ? {} : { account }), local: isSet(flags, 'local') };
  },

  run(options, context) {
    return pollAndReport(context, accountsFor(context.w, options.account), undefined);
  },
};
