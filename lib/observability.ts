// One Powertools Logger for the service. Its formatter masks emails, phone numbers and secrets in every log line, so
// customer PII and credentials cannot reach CloudWatch even when a caller logs a whole object by mistake, or Powertools
// logs the whole invocation event (POWERTOOLS_LOGGER_LOG_EVENT). One Powertools Metrics beside it.
import { LogFormatter, LogItem, Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';

// Local part: any character an address may hold (RFC 5322 allows `!#$&'*+?^_{|}~` and, with SMTPUTF8, any letter) but
// `/` and `=`, which in a log mean a path (`node_modules/@aws-sdk`) or a query (`email=…`) before the address, and
// starting with anything but `*` (a masked `***@host`). Domain: dotted labels ending in a letter TLD (kept:
// `j***@e***.com`), or a single label (`ivy@localhost`, `ivy@example`).
const EMAIL =
  /([^\s@"'<>()[\],;:\\/=*])[^\s@"'<>()[\],;:\\/=]*@([^\s@"'<>()[\],;:\\/?#.])(?:[^\s@"'<>()[\],;:\\/?#]*\.(\p{L}{2,})|[^\s@"'<>()[\],;:\\/?#.]*)/gu;
// The name of a display-name address, `Ivy Canaryson <ivy@example.com>` or `"Canaryson, Ivy" <…>`: up to four words
// (or a quoted string) right before `<address>`. A word of the sentence before a short name may be masked with it.
const NAME_WORD = String.raw`[\p{L}\p{M}][\p{L}\p{M}\p{N}.'’-]*`;
const DISPLAY_NAME = new RegExp(String.raw`(?<![\p{L}\p{M}\p{N}])("[^"<>\n]*"|${NAME_WORD}(?: ${NAME_WORD}){0,3})(?= ?<[^<>\s]*@)`, 'gu');
const PHONE_KEYS = /^(phone|phone_?number|phoneNumber|mobile)$/i;
const SECRET_KEYS = /(authorization|token|api_?key|api_?secret|private_?key|password|secret)/i;
// A secret-named query parameter (`token=`, `api_key=`, `x-api-key=`, `signature=`…) in a URL or a raw query string,
// whatever its value: a wrong or old webhook token is masked as well as the configured one. A `{placeholder}` or
// `<placeholder>` is no value.
const SECRET_QUERY = /(^|[?&;\s"'(])([\w.-]*(?:token|key|secret|password|signature|authorization))=(?![{<])([^&#\s"'<>]+)/gi;
// Credentials in a URL: `https://user:password@host`.
const URL_CREDENTIALS = /(\/\/)[^/@\s:]+:[^/@\s]+@/g;
// Phone numbers inside free text: international (+…), North American with or without separators ((415) 555-0132,
// 415 555 0132, 4155550132), and bare 11–15 digit runs.
const PHONE_IN_TEXT = /\+\d[\d\s().-]{7,}\d|\(\d{3}\)\s?\d{3}[\s.-]?\d{4}|\b\d{3}[\s.-]?\d{3}[\s.-]?\d{4}\b|\b\d{11,15}\b/g;

/** Shorter values are not masked by value: they would mask ordinary words wherever they occur. */
export const MIN_SECRET_LENGTH = 8;
/** Every registered secret form (see registerSecrets); kept for the process's life. */
const secretValues = new Set<string>();
/** The registered secrets as one pattern, longest first so a secret that contains another is masked whole. */
let secretPattern: RegExp | undefined;

const escapeRegExp = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Adds configured secrets (API keys and secrets, private keys, webhook tokens) to the values masked wherever they
 * appear in a log line or printed output, with their URL-encoded form (a token in a webhook URL). Kept for the
 * process's life, so a rotated key's predecessor stays masked; values shorter than {@link MIN_SECRET_LENGTH} are ignored.
 */
export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) {
    if (value === undefined) continue;
    for (const form of [value, value.trim(), encodeURIComponent(value)]) if (form.length >= MIN_SECRET_LENGTH) secretValues.add(form);
  }
  const longestFirst = [...secretValues].sort((a, b) => b.length - a.length);
  secretPattern = longestFirst.length === 0 ? undefined : new RegExp(longestFirst.map(escapeRegExp).join('|'), 'g');
}

/** Forgets every registered secret (tests). */
export function clearRegisteredSecrets(): void {
  secretValues.clear();
  secretPattern = undefined;
}

/**
 * How a secret is shown: its first 4 characters and `…` when it has 16 or more (enough to tell two keys or tokens
 * apart, too few to matter), else only `…`. A value already shown so (ending in `…`) is left as it is.
 */
export function maskSecret(value: string): string {
  if (value.endsWith('…')) return value;
  return value.length >= 16 ? `${value.slice(0, 4)}…` : '…';
}

/** Masks secrets inside free text: registered values, secret-named query parameters, and credentials in URLs. */
export function maskSecrets(value: string): string {
  const masked = value
    .replace(SECRET_QUERY, (_match, before: string, name: string, secret: string) => `${before}${name}=${maskSecret(secret)}`)
    .replace(URL_CREDENTIALS, '$1***@');
  return secretPattern === undefined ? masked : masked.replace(secretPattern, maskSecret);
}

/** Masks secrets, emails and phone numbers inside free text. */
export function maskText(value: string): string {
  return maskEmail(maskSecrets(value)).replace(PHONE_IN_TEXT, (phone) => maskPhone(phone));
}

/**
 * Masks email addresses inside free text: `jane.doe@example.com` → `j***@e***.com`, `ivy@localhost` → `i***@l***`,
 * and a display-name address's name too: `Ivy Canaryson <ivy@example.com>` → `I*** C*** <i***@e***.com>`.
 */
export function maskEmail(value: string): string {
  return value
    .replace(DISPLAY_NAME, (name) => name.replace(/[^\s"]+/gu, (word) => `${[...word][0] ?? ''}***`))
    .replace(EMAIL, (_match, local: string, domain: string, tld: string | undefined) => `${local}***@${domain}***${tld === undefined ? '' : `.${tld}`}`);
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
