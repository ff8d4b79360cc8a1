// A loopback HTTP server that answers ShipStation V1 and V2 requests with recorded public payloads
// (test/fixtures/shipstation): each route is a path (and, optionally, query parameters it must carry) and the fixture's
// exact text. Like ShipStation it sends X-Rate-Limit-* headers, answers 401 without Basic auth (V1) or an API-Key (paths
// under /v2/) and 404 for what it does not hold. Used where a test must feed the real adapters what ShipStation really
// sends, not what our simulator makes.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const FIXTURES = new URL('../fixtures/shipstation/', import.meta.url);

/** A recorded payload as text, exactly as stored (a test that must change it says so, e.g. ids made distinct). */
export function fixtureText(path: string): string {
  return readFileSync(new URL(path, FIXTURES), 'utf8');
}

/** A recorded payload, parsed. */
export function fixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(fixtureText(path)) as T;
}

interface Route {
  path: string;
  query: Record<string, string>;
  body: string;
}

export class FixtureServer {
  readonly requests: { path: string; query: Record<string, string> }[] = [];
  private readonly routes: Route[] = [];

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FixtureServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fixtures = new FixtureServer(server, `http://127.0.0.1:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => fixtures.answer(req, res));
    return fixtures;
  }

  /** Answers GET `path` (with at least these query parameters, case-insensitive names) with `body` (text or JSON). */
  serve(path: string, body: string | unknown, query: Record<string, string> = {}): this {
    this.routes.unshift({ path: path.toLowerCase(), query, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return this;
  }

  clear(): void {
    this.routes.length = 0;
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const query = Object.fromEntries([...url.searchParams].map(([k, v]) => [k.toLowerCase(), v]));
    this.requests.push({ path: url.pathname, query });
    const send = (status: number, text: string): void => {
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'X-Rate-Limit-Limit': '40',
        'X-Rate-Limit-Remaining': '39',
        'X-Rate-Limit-Reset': '60',
      });
      res.end(text);
    };
    // Key sets are public (as ShipStation's JWKS is); V2 paths need an API-Key, everything else the key pair.
    const isPublic = url.pathname.toLowerCase().startsWith('/jwks');
    const isV2 = url.pathname.toLowerCase().startsWith('/v2/');
    const authorized = isV2 ? (req.headers['api-key'] ?? '') !== '' : (req.headers.authorization ?? '').startsWith('Basic ');
    if (!isPublic && !authorized) return send(401, '{"message":"Invalid API credentials"}');
    const route = this.routes.find((r) => r.path === url.pathname.toLowerCase() && Object.entries(r.query).every(([k, v]) => query[k.toLowerCase()] === v));
    if (route === undefined) return send(404, `{"Message":"No HTTP resource was found that matches the request URI '${url.href}'."}`);
    send(200, route.body);
  }
}
