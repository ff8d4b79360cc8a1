// The deployment's invariants, read from the CloudFormation template `serverless package --stage prod` generates
// (offline, no AWS credentials): every consumed queue has a DLQ and a long enough visibility timeout, IAM is least
// privilege per function, the state table is protected, every failure mode has an alarm on the alert topic, and the
// dashboard names every queue and function. scripts/package-check.mjs (bundles, @aws/cloudformation-validate) runs on
// the same package.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const service = 'shipstation-klaviyo-sync';
const region = 'us-east-1';
const packageTimeoutMs = 120_000;

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
}
interface Template {
  Resources: Record<string, Resource>;
}
interface QueueProps {
  QueueName: string;
  VisibilityTimeout?: number;
  MessageRetentionPeriod?: number;
  RedrivePolicy?: { deadLetterTargetArn: unknown; maxReceiveCount: number };
}
interface FunctionProps {
  FunctionName: string;
  Timeout?: number;
  Runtime: string;
  Architectures?: string[];
  Role: unknown;
  Environment?: { Variables?: Record<string, unknown> };
}
interface MappingProps {
  EventSourceArn: unknown;
  FunctionName: unknown;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
interface RoleProps {
  Policies?: { PolicyDocument: { Statement: unknown[] } }[];
}
interface AlarmProps {
  AlarmName: string;
  AlarmDescription: string;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: unknown }[];
  Statistic: string;
  Period: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
}
interface TableProps {
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
  PointInTimeRecoverySpecification?: { PointInTimeRecoveryEnabled: boolean };
}
interface DashboardProps {
  DashboardName: string;
  DashboardBody: { 'Fn::Sub': string };
}
interface Widget {
  type: string;
  properties: { markdown?: string; region?: string; alarms?: string[]; metrics?: unknown[][]; query?: string };
}

let dir: string;
let template: Template;

/** The resources of one type, with their properties typed as the test reads them. */
const ofType = <P>(type: string): [string, P][] =>
  Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties as P]);
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** The logical id an `Fn::GetAtt` points at (either spelling), or undefined. */
const getAttTarget = (value: unknown): string | undefined => {
  const getAtt = (value as { 'Fn::GetAtt'?: string | string[] } | undefined)?.['Fn::GetAtt'];
  if (getAtt === undefined) return undefined;
  return Array.isArray(getAtt) ? getAtt[0] : getAtt.split('.')[0];
};
/** Both branches of an `Fn::If` (nested too), without `AWS::NoValue`. */
const branches = (value: unknown): unknown[] => {
  const fnIf = (value as { 'Fn::If'?: unknown[] } | undefined)?.['Fn::If'];
  if (fnIf !== undefined) return fnIf.slice(1).flatMap(branches);
  return (value as { Ref?: string } | undefined)?.Ref === 'AWS::NoValue' ? [] : [value];
};

const queues = (): [string, QueueProps][] => ofType<QueueProps>('AWS::SQS::Queue');
const functions = (): [string, FunctionProps][] => ofType<FunctionProps>('AWS::Lambda::Function');
const alarms = (): [string, AlarmProps][] => ofType<AlarmProps>('AWS::CloudWatch::Alarm');
/** Queues a Lambda event source mapping consumes, with the consuming function. */
const consumedQueues = (): { queueId: string; queue: QueueProps; fn: FunctionProps }[] =>
  ofType<MappingProps>('AWS::Lambda::EventSourceMapping').flatMap(([, mapping]) => {
    const queueId = getAttTarget(mapping.EventSourceArn);
    const queue = template.Resources[queueId ?? ''];
    const fn = template.Resources[getAttTarget(mapping.FunctionName) ?? ''];
    if (queueId === undefined || queue?.Type !== 'AWS::SQS::Queue' || fn === undefined) return [];
    return [{ queueId, queue: queue.Properties as unknown as QueueProps, fn: fn.Properties as unknown as FunctionProps }];
  });
/** Queues some queue's RedrivePolicy sends dead letters to. */
const deadLetterQueueIds = (): string[] => [...new Set(queues().flatMap(([, queue]) => getAttTarget(queue.RedrivePolicy?.deadLetterTargetArn) ?? []))];
const dimension = (alarm: AlarmProps, name: string): unknown => alarm.Dimensions.find((d) => d.Name === name)?.Value;
const alarmsOn = (namespace: string, metricName: string): AlarmProps[] =>
  alarms()
    .map(([, alarm]) => alarm)
    .filter((alarm) => alarm.Namespace === namespace && alarm.MetricName === metricName);
const actsOnAlertTopic = (alarm: AlarmProps): boolean =>
  alarm.AlarmActions.some((a) => (a as { Ref?: string }).Ref === 'AlertTopic') && alarm.OKActions.some((a) => (a as { Ref?: string }).Ref === 'AlertTopic');

/**
 * What CloudFormation makes of the dashboard's `Fn::Sub`: `${!x}` stays literal, `${AWS::Region}`, a function's Ref (its
 * name), a queue's QueueName and an alarm's Arn are filled in; any other reference fails the test.
 */
const resolveSub = (text: string): string =>
  text.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name === 'AWS::Region') return region;
    const [id = '', attribute] = name.split('.');
    const resource = template.Resources[id];
    if (resource === undefined) throw new Error(`the dashboard refers to \${${name}}, which is not a resource of the template`);
    if (attribute === undefined && resource.Type === 'AWS::Lambda::Function') return (resource.Properties as unknown as FunctionProps).FunctionName;
    if (attribute === 'QueueName' && resource.Type === 'AWS::SQS::Queue') return (resource.Properties as unknown as QueueProps).QueueName;
    if (attribute === 'Arn' && resource.Type === 'AWS::CloudWatch::Alarm')
      return `arn:aws:cloudwatch:${region}:123456789012:alarm:${(resource.Properties as unknown as AlarmProps).AlarmName}`;
    throw new Error(`the dashboard refers to \${${name}} (${resource.Type}), which this test does not resolve`);
  });

/** `serverless package` with no AWS credentials or settings from the calling shell: what CI without an AWS account sees. */
const cleanEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir() });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sls-package-'));
  await exec('npx', ['serverless', 'package', '--stage', 'prod', '--package', dir], {
    cwd: root,
    env: cleanEnv(),
    timeout: packageTimeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}, packageTimeoutMs + 10_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('serverless package (prod)', () => {
  it('gives every queue a Lambda consumes a dead-letter queue of the template and a visibility timeout of at least 6 × its consumer timeout', () => {
    // Prepare
    const consumed = consumedQueues();

    // Act
    const findings = consumed.map(({ queueId, queue, fn }) => ({
      queueId,
      deadLetterQueueType: template.Resources[getAttTarget(queue.RedrivePolicy?.deadLetterTargetArn) ?? '']?.Type,
      visibilityCoversSixTimeouts: (queue.VisibilityTimeout ?? 30) >= 6 * (fn.Timeout ?? 6),
    }));

    // Assess
    expect(consumed.map((c) => c.queueId).sort()).toEqual(['HistoryQueue', 'NotificationsQueue', 'PollsQueue', 'UpdatesQueue']);
    for (const finding of findings) {
      expect(finding).toEqual({ queueId: finding.queueId, deadLetterQueueType: 'AWS::SQS::Queue', visibilityCoversSixTimeouts: true });
    }
  });

  it('keeps dead letters for 14 days, and every other queue is one a Lambda consumes', () => {
    // Prepare
    const dlqIds = deadLetterQueueIds();
    const consumedIds = consumedQueues().map((c) => c.queueId);

    // Act
    const retention = Object.fromEntries(dlqIds.map((id) => [id, (template.Resources[id]?.Properties as unknown as QueueProps).MessageRetentionPeriod]));

    // Assess
    expect(dlqIds.length).toBe(consumedIds.length);
    expect(retention).toEqual(Object.fromEntries(dlqIds.map((id) => [id, 14 * 24 * 3600])));
    expect(
      queues()
        .map(([id]) => id)
        .sort(),
    ).toEqual([...dlqIds, ...consumedIds].sort());
  });

  it('grants no wildcard IAM action and no statement on Resource "*", conditional statements included', () => {
    // Prepare
    const roles = ofType<RoleProps>('AWS::IAM::Role');

    // Act
    const statements = roles.flatMap(([id, role]) =>
      (role.Policies ?? []).flatMap((policy) => policy.PolicyDocument.Statement.flatMap(branches).map((s) => ({ id, ...(s as Statement) }))),
    );
    const wildcards = statements.flatMap(({ id, Action, Resource }) => [
      ...asArray(Action)
        .filter((action) => action.includes('*'))
        .map((action) => `${id}: action ${action}`),
      ...asArray(Resource)
        .filter((resource) => resource === '*')
        .map(() => `${id}: Resource "*"`),
    ]);

    // Assess
    expect(statements.length).toBeGreaterThan(roles.length);
    expect(wildcards).toEqual([]);
  });

  it('gives every function a role of its own and generates no shared IamRoleLambdaExecution', () => {
    // Prepare
    const fns = functions();

    // Act
    const roleIds = fns.map(([, fn]) => getAttTarget(fn.Role));

    // Assess
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
    expect(fns).toHaveLength(8);
    for (const roleId of roleIds) expect(template.Resources[roleId ?? '']?.Type).toBe('AWS::IAM::Role');
    expect(new Set(roleIds).size).toBe(fns.length);
  });

  it.each([
    ['publish-events', 'UpdatesQueue', 'a tracking update waiting for its label and a label waiting for its order go back, delayed'],
    ['publish-history', 'HistoryQueue', 'a historical label waiting for its order goes back, delayed'],
  ])('lets %s send to %s (%s)', (functionName, queueId) => {
    // Prepare
    const fn = functions().find(([, props]) => props.FunctionName.endsWith(`-${functionName}`))?.[1];
    const role = template.Resources[getAttTarget(fn?.Role) ?? '']?.Properties as RoleProps | undefined;

    // Act
    const sendsTo = (role?.Policies ?? [])
      .flatMap((policy) => policy.PolicyDocument.Statement.flatMap(branches) as Statement[])
      .filter((statement) => statement.Effect === 'Allow' && asArray(statement.Action).includes('sqs:SendMessage'))
      .flatMap((statement) => asArray(statement.Resource).map(getAttTarget));

    // Assess
    expect(sendsTo).toContain(queueId);
  });

  it('expires state items through expiresAt and keeps point-in-time recovery on the table', () => {
    // Prepare
    const tables = ofType<TableProps>('AWS::DynamoDB::Table');

    // Act
    const settings = tables.map(([id, table]) => ({
      id,
      ttl: table.TimeToLiveSpecification,
      pointInTimeRecovery: table.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled,
      deletionPolicy: template.Resources[id]?.DeletionPolicy,
    }));

    // Assess
    expect(settings).toEqual([{ id: 'StateTable', ttl: { AttributeName: 'expiresAt', Enabled: true }, pointInTimeRecovery: true, deletionPolicy: 'Retain' }]);
  });

  it('creates the SNS alert topic', () => {
    // Prepare
    const topic = template.Resources.AlertTopic;

    // Act
    const topicName = topic?.Properties.TopicName;

    // Assess
    expect(topic?.Type).toBe('AWS::SNS::Topic');
    expect(topicName).toBe(`${service}-prod-alerts`);
  });

  it('encrypts the alert topic with a rotated customer-managed KMS key that the account administers and CloudWatch alarms and every publishing function may use', () => {
    // Prepare
    const topic = template.Resources.AlertTopic;
    const keyId = getAttTarget(topic?.Properties.KmsMasterKeyId);
    const key = template.Resources[keyId ?? ''];
    const keyStatements = ((key?.Properties.KeyPolicy as { Statement?: Statement[] } | undefined)?.Statement ?? []) as (Statement & {
      Principal: Record<string, unknown>;
    })[];
    const roleStatements = (roleId: string): Statement[] =>
      ((template.Resources[roleId]?.Properties as RoleProps | undefined)?.Policies ?? []).flatMap(
        (policy) => policy.PolicyDocument.Statement.flatMap(branches) as Statement[],
      );
    const publishers = ofType<RoleProps>('AWS::IAM::Role')
      .map(([id]) => id)
      .filter((id) => roleStatements(id).some((s) => asArray(s.Action).includes('sns:Publish') && (s.Resource as { Ref?: string }).Ref === 'AlertTopic'));

    // Act
    const kmsActionsOnKey = (roleId: string): string[] =>
      roleStatements(roleId)
        .filter((s) => s.Effect === 'Allow' && getAttTarget(s.Resource) === keyId)
        .flatMap((s) => asArray(s.Action))
        .sort();
    const cloudWatch = keyStatements.find((s) => s.Principal.Service === 'cloudwatch.amazonaws.com');
    const root = keyStatements.find((s) => JSON.stringify(s.Principal.AWS ?? '').includes(':root'));

    // Assess
    expect(key?.Type).toBe('AWS::KMS::Key');
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    expect(root).toMatchObject({ Effect: 'Allow', Action: 'kms:*' });
    expect(cloudWatch).toMatchObject({ Effect: 'Allow' });
    expect(asArray(cloudWatch?.Action ?? []).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(publishers.length).toBeGreaterThanOrEqual(5);
    for (const roleId of publishers) expect({ roleId, actions: kmsActionsOnKey(roleId) }).toEqual({ roleId, actions: ['kms:Decrypt', 'kms:GenerateDataKey'] });
  });

  it('throttles the HTTP API stage and reserves (and so caps) the concurrency of both receivers, leaving the rest of the account to the consumers', () => {
    // Prepare
    const stages = ofType<{ DefaultRouteSettings?: Record<string, unknown> }>('AWS::ApiGatewayV2::Stage');
    const receivers = functions().filter(([, fn]) => /-receive-(webhook|tracking)$/.test(fn.FunctionName));
    const others = functions().filter(([, fn]) => !/-receive-(webhook|tracking)$/.test(fn.FunctionName));
    const conditions = (template as unknown as { Conditions: Record<string, unknown> }).Conditions;

    // Act
    const reserved = receivers.map(([id, fn]) => ({
      id,
      reserved: (fn as unknown as { ReservedConcurrentExecutions?: unknown }).ReservedConcurrentExecutions,
    }));
    const othersReserved = others.filter(([, fn]) => (fn as unknown as { ReservedConcurrentExecutions?: unknown }).ReservedConcurrentExecutions !== undefined);

    // Assess: the defaults (serverless.yml params); RECEIVER_RESERVED_CONCURRENCY=none drops the reservation
    expect(stages).toHaveLength(1);
    expect(stages[0]?.[1].DefaultRouteSettings).toEqual({ DetailedMetricsEnabled: false, ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 });
    expect(reserved).toHaveLength(2);
    for (const { id, reserved: value } of reserved) {
      expect({ id, value }).toEqual({ id, value: { 'Fn::If': ['ReserveReceiverConcurrency', 20, { Ref: 'AWS::NoValue' }] } });
    }
    expect(conditions.ReserveReceiverConcurrency).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['reserve 20', 'reserve none'] }] });
    expect(othersReserved).toEqual([]);
  });

  it('alarms on any error of every function', () => {
    // Prepare
    const errorAlarms = alarmsOn('AWS/Lambda', 'Errors');

    // Act
    const unwatched = functions()
      .map(([id]) => id)
      .filter(
        (id) =>
          !errorAlarms.some(
            (a) =>
              (dimension(a, 'FunctionName') as { Ref?: string }).Ref === id &&
              a.Statistic === 'Sum' &&
              a.ComparisonOperator === 'GreaterThanThreshold' &&
              a.Threshold === 0,
          ),
      );

    // Assess
    expect(unwatched).toEqual([]);
  });

  it('alarms on every dead-letter queue holding a message', () => {
    // Prepare
    const visibleAlarms = alarmsOn('AWS/SQS', 'ApproximateNumberOfMessagesVisible');

    // Act
    const unwatched = deadLetterQueueIds().filter(
      (id) =>
        !visibleAlarms.some(
          (a) =>
            getAttTarget(dimension(a, 'QueueName')) === id &&
            a.Statistic === 'Maximum' &&
            a.ComparisonOperator === 'GreaterThanThreshold' &&
            a.Threshold === 0 &&
            a.Period === 300,
        ),
    );

    // Assess
    expect(deadLetterQueueIds().length).toBeGreaterThan(0);
    expect(unwatched).toEqual([]);
  });

  it('alarms on any 5xx of either receiver, on unreadable tracking signing keys and on more than 5 refused tracking signatures an hour, each on the alert topic', () => {
    // Prepare
    const serviceDimension = { Name: 'service', Value: `${service}-prod` };

    // Act
    const failed = alarmsOn('ShipStationKlaviyoSync', 'WebhooksFailed');
    const failedReceivers = failed.map((a) => dimension(a, 'Receiver')).sort();
    const keys = alarmsOn('ShipStationKlaviyoSync', 'TrackingKeysUnavailable');
    const signatures = alarmsOn('ShipStationKlaviyoSync', 'WebhooksRefused');

    // Assess
    expect(failedReceivers).toEqual(['receive-tracking', 'receive-webhook']);
    for (const alarm of failed) {
      expect(alarm).toMatchObject({
        Statistic: 'Sum',
        Period: 300,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        TreatMissingData: 'notBreaching',
      });
      expect(alarm.Dimensions).toEqual([serviceDimension, { Name: 'Receiver', Value: dimension(alarm, 'Receiver') }]);
    }
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ Dimensions: [serviceDimension], Statistic: 'Sum', Period: 300, ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
    expect(signatures).toHaveLength(1);
    expect(signatures[0]).toMatchObject({
      Dimensions: [serviceDimension, { Name: 'Receiver', Value: 'receive-tracking' }, { Name: 'Reason', Value: 'signature' }],
      Statistic: 'Sum',
      Period: 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5,
    });
    for (const alarm of [...failed, ...keys, ...signatures]) expect(actsOnAlertTopic(alarm)).toBe(true);
  });

  it('alarms on poll lag over an hour, on messages older than 15 minutes in every work queue and on a key expiring within 7 days, each on the alert topic', () => {
    // Prepare: the alarms watch the `service` dimension the functions' metrics carry (POWERTOOLS_SERVICE_NAME, per stage).
    const serviceOnly = [{ Name: 'service', Value: `${service}-prod` }];
    const emittedServices = new Set(functions().map(([, fn]) => fn.Environment?.Variables?.POWERTOOLS_SERVICE_NAME));

    // Act
    const pollLag = alarmsOn('ShipStationKlaviyoSync', 'PollLagSeconds');
    const keyExpiry = alarmsOn('ShipStationKlaviyoSync', 'DaysUntilKeyExpiry');
    const age = alarmsOn('AWS/SQS', 'ApproximateAgeOfOldestMessage');
    const ageByQueue = Object.fromEntries(age.map((a) => [getAttTarget(dimension(a, 'QueueName')), a]));

    // Assess
    expect([...emittedServices]).toEqual([`${service}-prod`]);
    expect(pollLag).toHaveLength(1);
    expect(pollLag[0]).toMatchObject({
      Dimensions: serviceOnly,
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(keyExpiry).toHaveLength(1);
    expect(keyExpiry[0]).toMatchObject({ Dimensions: serviceOnly, Statistic: 'Minimum', Threshold: 7, ComparisonOperator: 'LessThanOrEqualToThreshold' });
    for (const { queueId } of consumedQueues()) {
      const alarm = ageByQueue[queueId];
      expect({ queueId, statistic: alarm?.Statistic, comparison: alarm?.ComparisonOperator }).toEqual({
        queueId,
        statistic: 'Maximum',
        comparison: 'GreaterThanThreshold',
      });
      expect(alarm?.Threshold).toBeGreaterThanOrEqual(900);
      expect(alarm?.Threshold).toBeLessThanOrEqual(1800);
    }
    for (const alarm of [...pollLag, ...keyExpiry, ...age]) expect(actsOnAlertTopic(alarm)).toBe(true);
  });

  it("alarms on Klaviyo events held through two 15-minute periods (an outage, or a refused key), on the worst account's backlog", () => {
    // Act
    const held = alarmsOn('ShipStationKlaviyoSync', 'HeldEvents');

    // Assess
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({
      Dimensions: [{ Name: 'service', Value: `${service}-prod` }],
      Statistic: 'Maximum',
      Period: 900,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(actsOnAlertTopic(held[0] as AlarmProps)).toBe(true);
  });

  it('makes every alarm notify the alert topic when it fires and when it clears, and point at the Runbook in docs/operations.md', () => {
    // Prepare
    const all = alarms();

    // Act
    const findings = all.map(([id, alarm]) => ({
      id,
      actsOnAlertTopic: actsOnAlertTopic(alarm),
      namesRunbook: alarm.AlarmDescription.includes('docs/operations.md') && alarm.AlarmDescription.includes('Runbook'),
    }));

    // Assess
    expect(all.length).toBeGreaterThan(0);
    for (const finding of findings) expect(finding).toEqual({ id: finding.id, actsOnAlertTopic: true, namesRunbook: true });
  });

  it('builds a dashboard whose body is valid JSON naming every queue, function and alarm', () => {
    // Prepare
    const dashboards = ofType<DashboardProps>('AWS::CloudWatch::Dashboard');
    const [, dashboard] = dashboards[0] ?? [];

    // Act
    const body = JSON.parse(resolveSub(dashboard?.DashboardBody['Fn::Sub'] ?? '')) as { widgets: Widget[] };
    const metricStrings = body.widgets.flatMap((w) => (w.properties.metrics ?? []).flat()).filter((v): v is string => typeof v === 'string');
    const expressions = body.widgets
      .flatMap((w) => (w.properties.metrics ?? []).flat())
      .flatMap((v) => ((v as { expression?: string }).expression !== undefined ? [(v as { expression: string }).expression] : []));
    const alarmArns = body.widgets.flatMap((w) => w.properties.alarms ?? []);

    // Assess
    expect(dashboards).toHaveLength(1);
    expect(dashboard?.DashboardName).toBe(`${service}-prod`);
    expect(body.widgets[0]?.properties.markdown).toContain('Runbook');
    for (const [, queue] of queues()) expect(metricStrings).toContain(queue.QueueName);
    for (const [, fn] of functions()) expect(metricStrings).toContain(fn.FunctionName);
    for (const [, alarm] of alarms()) expect(alarmArns.some((arn) => arn.endsWith(`:alarm:${alarm.AlarmName}`))).toBe(true);
    for (const widget of body.widgets.filter((w) => w.type === 'metric' || w.type === 'log')) expect(widget.properties.region).toBe(region);
    // Per account without a metric series per account: Logs Insights tables over the EMF lines, the account a property.
    const fnName = (id: string): string => (template.Resources[id]?.Properties as unknown as FunctionProps).FunctionName;
    const queries = body.widgets.filter((w) => w.type === 'log').map((w) => w.properties.query);
    expect(queries).toEqual([
      expect.stringMatching(
        new RegExp(
          `^SOURCE '/aws/lambda/${fnName('PollDashshipstationLambdaFunction')}' \\| filter ispresent\\(PollLagSeconds\\) and ispresent\\(Account\\) .*by Account`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^SOURCE '/aws/lambda/${fnName('CheckDashkeyDashexpiryLambdaFunction')}' \\| filter ispresent\\(DaysUntilKeyExpiry\\) and ispresent\\(Account\\) .*by Account`,
        ),
      ),
    ]);
    expect(expressions.some((e) => e.includes(',Account,'))).toBe(false);
    expect(expressions).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SEARCH\('\{ShipStationKlaviyoSync,Metric,service\} MetricName="EventsSent".*', 'Sum'/),
        expect.stringMatching(/^SEARCH\('\{ShipStationKlaviyoSync,Reason,Receiver,service\} MetricName="WebhooksRefused".*', 'Sum'/),
      ]),
    );
    expect(metricStrings).toEqual(expect.arrayContaining(['WebhooksFailed', 'receive-webhook', 'receive-tracking', 'TrackingKeysUnavailable']));
  });

  it('runs every function on nodejs22.x and arm64', () => {
    // Prepare
    const fns = functions();

    // Act
    const platforms = fns.map(([id, fn]) => ({ id, runtime: fn.Runtime, architectures: fn.Architectures }));

    // Assess
    for (const platform of platforms) expect(platform).toEqual({ id: platform.id, runtime: 'nodejs22.x', architectures: ['arm64'] });
  });

  it('passes scripts/package-check.mjs: one ESM bundle per zip without the AWS SDK, and no cloudformation-validate error', async () => {
    // Prepare
    const script = join(root, 'scripts/package-check.mjs');

    // Act
    const result = await exec(process.execPath, [script, dir], { cwd: root, env: cleanEnv() }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
    );

    // Assess
    expect({ code: result.code, problems: result.stderr }).toEqual({ code: 0, problems: '' });
    expect(result.stdout).toMatch(/cloudformation-validate [\d.]+: OK/);
    expect(result.stdout).not.toMatch(/\[(ERROR|FATAL)\]/);
  });
});
