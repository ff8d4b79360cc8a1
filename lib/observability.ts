// One Powertools Logger for the service. Its formatter masks emails and phone numbers in every log line, so customer
// PII cannot reach CloudWatch even when a caller logs a whole object by mistake. One Powertools Metrics beside it.
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';

// Any local part (RFC 5322 allows `!#$&'*+/=?^_{|}~` and, with SMTPUTF8, any letter), any domain ending in a TLD.
const EMAIL = /([^\s@"'<>()[\],;:\\])[^\s@"'<>()[\],;:\\]*@([^\s@"'<>()[\],;:\\/?#.])[^\s@"'<>()[\],;:\\/?#]*\.(\p{L}{2,})/gu;
const PHONE_KEYS = /^(phone|phone_?number|phoneNumber|mobile)$/i;
const SECRET_KEYS = /(authorization|token|api_?key|api_?secret|private_?key|password|secret)/i;
// Phone numbers inside free text: international (+…), North American with or without separators ((415) 555-0132,
// 415 555 0132, 4155550132), and bare 11–15 digit runs.
const PHONE_IN_TEXT = /\+\d[\d\s().-]{7,}\d|\(\d{3}\)\s?\d{3}[\s.-]?\d{4}|\b\d{3}[\s.-]?\d{3}[\s.-]?\d{4}\b|\b\d{11,15}\b/g;

/** Masks emails and phone numbers inside free text. */
export function maskText(value: string): string {
  return maskEmail(value).replace(PHONE_IN_TEXT, (phone) => maskPhone(phone));
}

/** `jane.doe@example.com` → `j***@e***.com`. */
export function maskEmail(value: string): string {
  return value.replace(EMAIL, '$1***@$2***.$3');
}

/** Keeps the last two digits of a phone number: `+14155550123` → `+*********23`. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 2) return '**';
  return `${value.trim().startsWith('+') ? '+' : ''}${'*'.repeat(digits.length - 2)}${digits.slice(-2)}`;
}

/** Deep copy of a log value with emails, phone numbers and secrets masked. */
export function maskPii(value: unknown, key = '', depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (typeof value === 'string') {
    if (SECRET_KEYS.test(key)) return '***';
    if (PHONE_KEYS.test(key)) return maskPhone(value);
    return maskText(value);
  }
  if (typeof value === 'number' && PHONE_KEYS.test(key)) return maskPhone(String(value));
  if (value instanceof Error) {
    return {
      name: value.name,
      message: maskText(value.message),
      stack: value.stack === undefined ? undefined : maskText(value.stack),
      cause: value.cause === undefined ? undefined : maskPii(value.cause, 'cause', depth + 1),
    };
  }
  if (Array.isArray(value)) return value.map((item) => maskPii(item, key, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPii(v, k, depth + 1)]));
  }
  return value;
}

/** Powertools' standard JSON structure, with {@link maskPii} applied to the message and every attribute. */
class MaskingLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: maskPii(attributes.message) as string,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: attributes.lambdaContext?.coldStart,
        function_name: attributes.lambdaContext?.functionName,
        function_request_id: attributes.lambdaContext?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(maskPii(additionalLogAttributes) as LogAttributes);
  }
}

export const logger = new Logger({ serviceName: 'shipstation-klaviyo-sync', logFormatter: new MaskingLogFormatter() });

/**
 * One Powertools Metrics for the service: CloudWatch embedded metric format (EMF) lines on stdout, which CloudWatch
 * turns into metrics with no API call, in the namespace `ShipStationKlaviyoSync` with the dimension `service` =
 * POWERTOOLS_SERVICE_NAME (`<service>-<stage>` in serverless.yml, so stages in one account never mix; infra/alarms.yml and
 * infra/dashboard.yml read the same).
 */
export const metrics = new Metrics({ namespace: 'ShipStationKlaviyoSync', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'shipstation-klaviyo-sync' });
