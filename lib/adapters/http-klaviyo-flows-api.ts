// KlaviyoFlowsApi over HTTP, for `flows install` and doctor (CLI only: no function bundles it): Get Metrics and Get
// Flows page by page (following `links.next` only on the account's Klaviyo host), Create Template and Create Flow, and
// the scope probes. Requests go through klaviyoRequest: the pinned revision, retries, Retry-After, no redirects.
import type { AccountConfig } from '../config.js';
import { BadInputError, KlaviyoRejectedError } from '../domain/errors.js';
import type { ExistingFlow } from '../domain/klaviyo-flows.js';
import * as z from '../domain/zod.js';
import type { Clock, FlowScope, KlaviyoFlowsApi } from '../ports.js';
import { klaviyoRequest, type KlaviyoRequestOptions } from './http-klaviyo-api.js';

const pageSchema = <T extends z.ZodMiniType>(item: T) =>
  z.object({ data: z.array(item), links: z.optional(z.object({ next: z.optional(z.nullable(z.string())) })) });

const metricPageSchema = pageSchema(z.object({ id: z.string(), attributes: z.object({ name: z.string() }) }));
const flowPageSchema = pageSchema(
  z.object({
    id: z.string(),
    attributes: z.object({ name: z.string(), status: z.string(), archived: z.boolean(), created: z.string(), updated: z.string() }),
  }),
);
const createdSchema = z.object({ data: z.object({ id: z.string() }) });

/** Bodies Klaviyo's schema refuses (no attributes), so a probe can never create anything. */
export const SCOPE_PROBES = {
  'flows:write': { path: '/api/flows', body: { data: { type: 'flow', attributes: {} } } },
  'templates:write': { path: '/api/templates', body: { data: { type: 'template', attributes: {} } } },
} as const;

/** A safety net against a next link that never ends. */
const MAX_PAGES = 1_000;

export class HttpKlaviyoFlowsApi implements KlaviyoFlowsApi {
  constructor(
    private readonly accounts: ReadonlyMap<string, AccountConfig>,
    private readonly clock: Pick<Clock, 'sleep'>,
    private readonly options: KlaviyoRequestOptions,
  ) {}

  async metrics(accountId: string): Promise<Map<string, string>> {
    const metrics = new Map<string, string>();
    for (const page of await this.pages(accountId, '/api/metrics/?fields[metric]=name', metricPageSchema)) {
      for (const metric of page) if (!metrics.has(metric.attributes.name)) metrics.set(metric.attributes.name, metric.id);
    }
    return metrics;
  }

  async flowsEndingWith(accountId: string, suffix: string): Promise<ExistingFlow[]> {
    const filter = encodeURIComponent(`ends-with(name,${JSON.stringify(suffix)})`);
    const path = `/api/flows/?filter=${filter}&fields[flow]=name,status,archived,created,updated&page[size]=50`;
    const pages = await this.pages(accountId, path, flowPageSchema);
    return pages.flat().map((flow) => ({ id: flow.id, ...flow.attributes }));
  }

  async createTemplate(accountId: string, body: unknown): Promise<string> {
    return this.create(accountId, '/api/templates', body);
  }

  async createFlow(accountId: string, body: unknown): Promise<string> {
    return this.create(accountId, '/api/flows', body);
  }

  async scopes(accountId: string): Promise<Record<FlowScope, boolean>> {
    const granted = async (probe: () => Promise<unknown>, ok: (status: number) => boolean): Promise<boolean> => {
      try {
        await probe();
        return true;
      } catch (error) {
        if (error instanceof KlaviyoRejectedError && error.status === 403) return false;
        if (error instanceof KlaviyoRejectedError && ok(error.status)) return true;
        throw error;
      }
    };
    const account = this.account(accountId);
    const read = (path: string): Promise<boolean> =>
      granted(
        () => this.get(account, path, z.unknown()),
        () => false,
      );
    const write = (scope: keyof typeof SCOPE_PROBES): Promise<boolean> =>
      granted(
        () => klaviyoRequest(this.clock, account, this.options, { method: 'POST', ...SCOPE_PROBES[scope], read: async (r) => r.body?.cancel() }),
        (status) => status === 400,
      );
    return {
      'metrics:read': await read('/api/metrics/?fields[metric]=name'),
      'flows:read': await read('/api/flows/?fields[flow]=name&page[size]=1'),
      'flows:write': await write('flows:write'),
      'templates:write': await write('templates:write'),
    };
  }

  private account(accountId: string): AccountConfig {
    const account = this.accounts.get(accountId);
    if (account === undefined) throw new BadInputError(`unknown account ${accountId}`);
    return account;
  }

  private async create(accountId: string, path: string, body: unknown): Promise<string> {
    const answer = await klaviyoRequest(this.clock, this.account(accountId), this.options, { method: 'POST', path, body, read: (r) => r.json() });
    return z.parse(createdSchema, answer).data.id;
  }

  private async get<T extends z.ZodMiniType>(account: AccountConfig, path: string, schema: T): Promise<z.infer<T>> {
    const answer = await klaviyoRequest(this.clock, account, this.options, { method: 'GET', path, read: (r) => r.json() });
    return z.parse(schema, answer);
  }

  /** Every page of a collection, from `path` through each `links.next` on the account's Klaviyo origin. */
  private async pages<T>(
    accountId: string,
    path: string,
    schema: z.ZodMiniType<{ data: T[]; links?: { next?: string | null | undefined } | undefined }>,
  ): Promise<T[][]> {
    const account = this.account(accountId);
    const origin = new URL(account.klaviyo.baseUrl).origin;
    const pages: T[][] = [];
    for (let next: string | undefined = path; next !== undefined;) {
      if (pages.length >= MAX_PAGES) throw new BadInputError(`Klaviyo kept answering with a next page after ${MAX_PAGES} pages of ${path}`);
      const page: { data: T[]; links?: { next?: string | null | undefined } | undefined } = await this.get(account, next, schema);
      pages.push(page.data);
      const link: string | undefined = page.links?.next ?? undefined;
      if (link === undefined) break;
      const url: URL = new URL(link, origin);
      if (url.origin !== origin) throw new BadInputError(`Klaviyo's next page link leaves ${origin}; refused`);
      next = `${url.pathname}${url.search}`;
    }
    return pages;
  }
}
