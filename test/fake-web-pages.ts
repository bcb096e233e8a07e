/**
 * A TEST DOUBLE of the web pages a run fetches with builtin.http_request (this machine reaches no
 * real site): fixed bodies by path on 127.0.0.1, so the stack needs FLIGHTDECK_HTTP_ALLOW=127.0.0.1.
 * Unknown paths answer 404.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePage {
  contentType: string;
  body: string;
}

export class FakeWebPages {
  private server: Server | null = null;
  private base = '';

  constructor(private readonly pages: Record<string, FakePage>) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const page = this.pages[request.url ?? ''];
      if (!page) response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      else response.writeHead(200, { 'content-type': page.contentType }).end(page.body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The page's URL (`path` as given to the constructor, e.g. "/a"). */
  url(path: string): string {
    return `${this.base}${path}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
