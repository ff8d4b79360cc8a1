// Alerts without an SNS topic (a CLI run with no deployed stage): each alert becomes an error log line, so it is
// still seen, never lost silently.
import type { Alert, Alerts } from '../ports.js';

export class LogAlerts implements Alerts {
  constructor(private readonly log: { error(message: string, data: Record<string, unknown>): void }) {}

  async send(alert: Alert): Promise<void> {
    this.log.error('operator alert logged: no ALERT_TOPIC_ARN', { accountId: alert.accountId, subject: alert.subject, alert: alert.message });
  }
}
