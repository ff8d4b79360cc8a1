// A loopback HTTP server that records every webhook the ShipStation simulator delivers to it (path, headers, the raw
// body as sent, so a signature can be checked over it) and answers 200.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One delivery as received: the raw body, and `body`, the same parsed as JSON (undefined when it is not JSON). */
export interface Delivery<B = unknown> {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: B;
}

export interface Receiver<B = unknown> {
  url: string;
  received: Delivery<B>[];
  close: () => Promise<void>;
}

const parsed = (raw: string): unknown => {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
};

/** Starts a receiver on a free loopback port; `B` is the body shape the test expects (not checked). */
export async function startReceiver<B = unknown>(): Promise<Receiver<B>> {
  const received: Delivery<B>[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ path: req.url ?? '', headers: req.headers, raw, body: parsed(raw) as B });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A header's value when it was sent once. */
export const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
};
