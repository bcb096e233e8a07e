/**
 * A TCP proxy a test can cut, to stand in for a network drop between two of our processes (the
 * dashboard's server and the API): `cut()` resets every open connection and stops listening, so
 * new connections are refused, until `restore()` listens again on the same port.
 */
import net from 'node:net';

export class CuttableTcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private listenPort = 0;
  /** Connections accepted since start, across cuts: proof that traffic really went through. */
  connectionsAccepted = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  static forUrl(url: string): CuttableTcpProxy {
    const parsed = new URL(url);
    return new CuttableTcpProxy({ host: parsed.hostname, port: Number(parsed.port) });
  }

  get url(): string {
    return `http://127.0.0.1:${this.listenPort}`;
  }

  get isCut(): boolean {
    return this.server === null;
  }

  async start(): Promise<this> {
    await this.listen();
    return this;
  }

  /** Every open connection reset (RST, as a dropped link looks to both ends); new ones refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    this.pairs.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Every open connection goes silent — no bytes either way, no FIN, no RST — as a hung server or
   * a link that drops packets looks to both ends. New connections still pass.
   */
  hang(): void {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    this.pairs.clear();
  }

  async restore(): Promise<void> {
    if (this.server === null) await this.listen();
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  private async listen(): Promise<void> {
    const server = net.createServer((client) => this.bridge(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.listenPort = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  private bridge(client: net.Socket): void {
    this.connectionsAccepted += 1;
    const upstream = net.connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      // A reset is what a cut is for; either side failing ends the pair.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    client.on('close', () => this.pairs.delete(pair));
    // pipe() ends the other side when one side ends, so half-closes pass through too.
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
