// A TCP proxy the test controls: what connects to `listen` is piped to `target` until cut(),
// which closes every connection and refuses new ones (a link cut between two machines) until
// restore().
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  private open = true;
  port = 0;

  constructor(
    readonly host: string,
    private readonly target: { host: string; port: number },
  ) {}

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (!this.open) {
        client.destroy();
        return;
      }
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((res) => this.server!.listen(0, this.host, res));
    this.port = (this.server.address() as { port: number }).port;
  }

  cut(): void {
    this.open = false;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.open = true;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((res) => this.server?.close(res));
  }
}
