// Checks what `serverless package` produced, offline, for CI: the CloudFormation template holds the deployment
// invariants (per-function roles without wildcard actions, a DLQ and a long enough visibility timeout behind every
// SQS consumer, a retained state table), each zip holds one ESM bundle without the AWS SDK, and
// @aws/cloudformation-validate finds no error. Exit code 1 on any failure.
// Usage: node scripts/package-check.mjs [.serverless directory]
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const dir = process.argv[2] ?? '.serverless';
const templatePath = join(dir, 'cloudformation-template-update-stack.json');
const template = JSON.parse(readFileSync(templatePath, 'utf8'));
const resources = template.Resources ?? {};
const problems = [];
const out = (line) => process.stdout.write(`${line}\n`);
const byType = (type) => Object.entries(resources).filter(([, r]) => r.Type === type);
const asArray = (value) => (Array.isArray(value) ? value : [value]);
const getAttTarget = (value) => (value?.['Fn::GetAtt'] ? asArray(value['Fn::GetAtt'])[0] : undefined);
/** Both branches of an `Fn::If` (nested ones too), without `AWS::NoValue`: a conditional statement is still checked. */
const branches = (value) => {
  if (value?.['Fn::If']) return value['Fn::If'].slice(1).flatMap(branches);
  return value?.Ref === 'AWS::NoValue' ? [] : [value];
};

// Functions and their roles.
const functions = byType('AWS::Lambda::Function');
if (resources.IamRoleLambdaExecution) problems.push('the shared IamRoleLambdaExecution exists: give every function its own role');
for (const [id, fn] of functions) {
  const p = fn.Properties;
  if (p.Runtime !== 'nodejs22.x') problems.push(`${id}: runtime ${p.Runtime}, expected nodejs22.x`);
  if (!asArray(p.Architectures).includes('arm64')) problems.push(`${id}: not arm64`);
  const role = getAttTarget(p.Role);
  if (resources[role]?.Type !== 'AWS::IAM::Role') problems.push(`${id}: role is not a role of this template`);
  if (!/\.handler$/.test(p.Handler)) problems.push(`${id}: unexpected handler ${p.Handler}`);
}

// IAM: named actions and resources only.
for (const [id, role] of byType('AWS::IAM::Role')) {
  if ((role.Properties.ManagedPolicyArns ?? []).length > 0) problems.push(`${id}: managed policies attached; use inline least-privilege policies`);
  for (const policy of role.Properties.Policies ?? []) {
    for (const statement of asArray(policy.PolicyDocument.Statement).flatMap(branches)) {
      if (statement.Effect !== 'Allow') continue;
      for (const action of asArray(statement.Action)) if (action.includes('*')) problems.push(`${id}: wildcard action ${action}`);
      for (const resource of asArray(statement.Resource)) if (resource === '*') problems.push(`${id}: statement ${statement.Sid ?? ''} on Resource "*"`);
    }
  }
}

// SQS consumers: partial batch failures, a DLQ, visibility timeout ≥ 6 × function timeout.
for (const [id, mapping] of byType('AWS::Lambda::EventSourceMapping')) {
  const p = mapping.Properties;
  const queueId = getAttTarget(p.EventSourceArn);
  const queue = resources[queueId];
  if (queue?.Type !== 'AWS::SQS::Queue') continue;
  const fn = resources[getAttTarget(p.FunctionName)];
  const timeout = fn?.Properties.Timeout ?? 6;
  const visibility = queue.Properties.VisibilityTimeout ?? 30;
  if (!(p.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures')) problems.push(`${id}: no ReportBatchItemFailures`);
  if (visibility < 6 * timeout) problems.push(`${queueId}: VisibilityTimeout ${visibility} s < 6 × ${timeout} s`);
  const dlq = getAttTarget(queue.Properties.RedrivePolicy?.deadLetterTargetArn);
  if (resources[dlq]?.Type !== 'AWS::SQS::Queue') problems.push(`${queueId}: no dead-letter queue`);
}
for (const [id, queue] of byType('AWS::SQS::Queue')) {
  if (queue.Properties.SqsManagedSseEnabled !== true && !queue.Properties.KmsMasterKeyId) problems.push(`${id}: not encrypted`);
}

// State: retained, point-in-time recovery on.
for (const [id, table] of byType('AWS::DynamoDB::Table')) {
  if (table.DeletionPolicy !== 'Retain' || table.UpdateReplacePolicy !== 'Retain') problems.push(`${id}: not retained on delete/replace`);
  if (table.Properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled !== true) problems.push(`${id}: no point-in-time recovery`);
}

/** Names, sizes and (on demand) contents of a zip's entries, read from its central directory. */
function readZip(path) {
  const buf = readFileSync(path);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i += 1) {
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    const read = () => {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + compressed);
      return method === 0 ? data : inflateRawSync(data);
    };
    entries.push({ name, size, read });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

// Bundles: one .mjs (+ its source map) per function, the AWS SDK imported from the runtime, not bundled.
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
for (const [id, fn] of functions) {
  const zipName = fn.Properties.Code.S3Key.split('/').pop();
  const zipPath = join(dir, zipName);
  const entries = readZip(zipPath);
  const handlerFile = `${fn.Properties.Handler.replace(/\.[^.]+$/, '')}.mjs`;
  const bundle = entries.find((e) => e.name === handlerFile);
  if (bundle === undefined) {
    problems.push(`${zipName}: no ${handlerFile} (${id})`);
    continue;
  }
  const code = bundle.read().toString('utf8');
  // Phone metadata is data read on the first number (lib/normalise/phone.ts): a bundle that reads it must ship it.
  const phoneMetadata = 'node_modules/libphonenumber-js/metadata.min.json';
  const readsPhoneMetadata = code.includes('libphonenumber-js/metadata.min.json');
  if (readsPhoneMetadata && !entries.some((e) => e.name === phoneMetadata)) problems.push(`${zipName}: its bundle reads ${phoneMetadata}, which the zip lacks`);
  const extra = entries.filter((e) => e.name !== handlerFile && e.name !== `${handlerFile}.map` && !(readsPhoneMetadata && e.name === phoneMetadata));
  if (extra.length > 0) problems.push(`${zipName}: unexpected files ${extra.map((e) => e.name).join(', ')}`);
  const sdkImports = [...new Set(code.match(/from\s*"@aws-sdk\/[\w-]+"/g) ?? [])].map((m) => m.replace(/^from\s*/, ''));
  if (/var \w+ ?= ?"@aws-sdk\/|Smithy|@smithy\/smithy-client/.test(code)) problems.push(`${handlerFile}: the AWS SDK looks bundled`);
  const map = entries.find((e) => e.name === `${handlerFile}.map`);
  out(
    `${zipName}: zip ${kib(statSync(zipPath).size)}, ${handlerFile} ${kib(bundle.size)}${map ? `, map ${kib(map.size)}` : ''}; runtime SDK: ${sdkImports.join(' ') || 'none'}`,
  );
}

// Offline CloudFormation validation.
let validate;
try {
  validate = await import('@aws/cloudformation-validate');
} catch {
  problems.push('@aws/cloudformation-validate is not installed (npm i -D @aws/cloudformation-validate@1.9.0-beta)');
}
if (validate) {
  const engine = new validate.RegoEngine();
  try {
    const report = engine.validateStandard(new validate.TemplateFile(templatePath), { severityLevel: 'WARN' });
    const counts = {};
    for (const d of report.diagnostics) {
      counts[d.severity] = (counts[d.severity] ?? 0) + 1;
      out(`  [${d.severity}] ${d.ruleId} ${d.entity?.logicalId ?? ''} ${d.propertyPath ?? ''}: ${d.message}`);
    }
    out(`cloudformation-validate ${validate.version()}: ${report.status}, ${JSON.stringify(counts)}`);
    if (report.status === 'ERROR') problems.push('cloudformation-validate could not analyse the template');
    if (counts.FATAL || counts.ERROR) problems.push(`cloudformation-validate: ${counts.FATAL ?? 0} fatal, ${counts.ERROR ?? 0} errors`);
  } finally {
    engine.free();
  }
}

out(`${functions.length} functions, ${Object.keys(resources).length} resources in ${templatePath}`);
for (const problem of problems) process.stderr.write(`✗ ${problem}\n`);
if (problems.length > 0) process.exit(1);
out('✓ package check passed');
