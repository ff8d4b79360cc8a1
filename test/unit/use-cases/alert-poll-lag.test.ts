// alertPollLag against in-memory ports: the account whose polls have stopped completing is named once per episode, a
// lag within the threshold or before the first poll says nothing, and an alert SNS could not take is owed, not lost.
import { makeAlertPollLag } from '../../../lib/use-cases/alert-poll-lag.js';
import { FakeClock, InMemoryAlertLedger, InMemoryPollCursorStore, RecordingAlerts, RecordingLogger } from '../../fakes/in-memory-ports.js';

const NOW = '2026-12-07T20:00:00.000Z';
const ago = (minutes: number): string => new Date(Date.parse(NOW) - minutes * 60_000).toISOString();

function setup() {
  const clock = new FakeClock(NOW);
  const cursors = new InMemoryPollCursorStore();
  const alerts = new RecordingAlerts();
  const alertPollLag = makeAlertPollLag({ cursors, alerts, alertLedger: new InMemoryAlertLedger(), clock, log: new RecordingLogger() });
  const lastPoll = (accountId: string, minutesAgo: number): void =>
    void cursors.cursors.set(accountId, { accountId, through: ago(minutesAgo + 2), lastCompletedAt: ago(minutesAgo) });
  return { clock, alerts, alertPollLag, lastPoll };
}

describe('alertPollLag', () => {
  it('says nothing while the last poll completed within 90 minutes, nor before the first poll completed', async () => {
    // Prepare
    const { alerts, alertPollLag, lastPoll } = setup();
    lastPoll('fresh', 89);

    // Act
    const sent = [await alertPollLag('fresh'), await alertPollLag('never-polled')];

    // Assess
    expect(sent).toEqual([false, false]);
    expect(alerts.sent).toEqual([]);
  });

  it('names the lagging account, its last poll and the command that says why, once per episode, and never another account', async () => {
    // Prepare: acme's polls stopped completing 3 h ago; globex is fine
    const { alerts, alertPollLag, lastPoll, clock } = setup();
    lastPoll('acme', 180);
    lastPoll('globex', 10);

    // Act: two scheduled jobs of the same episode, and globex's
    await alertPollLag('acme');
    clock.advance(30 * 60_000);
    await alertPollLag('acme');
    await alertPollLag('globex');

    // Assess
    expect(alerts.sent).toEqual([
      {
        accountId: 'acme',
        subject: 'ShipStation polls of account acme have not completed for 3 h',
        message: expect.stringContaining('completed at 2026-12-07T17:00:00Z, 3 h ago') as unknown as string,
      },
    ]);
    expect(alerts.sent[0]?.message).toContain('`shipstation-klaviyo doctor --account acme`');
  });

  it('alerts again when the polls stall again after one completed', async () => {
    // Prepare
    const { alerts, alertPollLag, lastPoll, clock } = setup();
    lastPoll('acme', 120);
    await alertPollLag('acme');

    // Act: a poll completes now, then nothing for 100 minutes
    lastPoll('acme', 0);
    clock.advance(100 * 60_000);
    const again = await alertPollLag('acme');

    // Assess
    expect(again).toBe(true);
    expect(alerts.sent.map((a) => a.subject)).toEqual([
      'ShipStation polls of account acme have not completed for 2 h',
      'ShipStation polls of account acme have not completed for 100 min',
    ]);
  });

  it('owes an alert SNS did not take: the failure is thrown and the next job sends it', async () => {
    // Prepare
    const { alerts, alertPollLag, lastPoll } = setup();
    lastPoll('acme', 95);
    alerts.failNext();

    // Act
    const first = alertPollLag('acme');
    await expect(first).rejects.toThrow('SNS is unavailable');
    const second = await alertPollLag('acme');

    // Assess
    expect(second).toBe(true);
    expect(alerts.sent).toHaveLength(1);
  });
});
