// Problem reporting for configuration: one ConfigurationError naming every offending variable or document path, and
// never a value (a value may be a secret).
import type * as z from '../domain/zod.js';

/** Raised when configuration is missing or invalid; the message names every offending variable. */
export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigurationError';
  }
}

/** `A`, `A and B`, `A, B and C`. */
export const listed = (names: readonly string[]): string =>
  names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/** The problems of a failed environment parse, each naming its variable. */
export const envProblems = (error: z.ZodError): string[] =>
  error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    return issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`;
  });

/** `accounts[1].shipStation.apiKey`: where in the accounts document an issue is. */
const documentPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`), '');

/** The problems of a failed document parse, each naming its path; messages are ours and never carry a value. */
export const documentProblems = (error: z.ZodError): string[] =>
  error.issues.flatMap((issue) => {
    const where = documentPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${where === '' ? key : `${where}.${key}`} is not a known setting`);
    }
    return [`${where === '' ? 'the accounts document' : where} ${issue.message}`];
  });

/** Where a JSON syntax error is, without quoting the text around it (it may hold a secret). */
export const jsonErrorLocation = (documentText: string, error: unknown): string => {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  if (position === undefined) return '';
  const before = documentText.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
};
