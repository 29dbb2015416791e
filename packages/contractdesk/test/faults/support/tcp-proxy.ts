import { type AddressInfo, createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder between the ORM and PostgreSQL that a test can cut and restore. The local cluster is
 * shared with other test runs, so "the server goes down" is simulated here instead of restarting it:
 * - cut():       every open connection is reset and the port stops listening (ECONNREFUSED), which is
 *                what clients see when the server process dies and is being restarted;
 * - blackhole(): connections are accepted but nothing is ever forwarded (a hung server or lost route);
 * - restore():   forwarding again on the same port.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private mode: 'forward' | 'blackhole' = 'forward';
  private server: Server;
  port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = this.createServer();
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await proxy.listen(0);
    return proxy;
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    await closed;
  }

  blackhole(): void {
    this.mode = 'blackhole';
  }

  async restore(): Promise<void> {
    this.mode = 'forward';
    if (!this.server.listening) {
      this.server = this.createServer();
      await this.listen(this.port);
    }
  }

  async stop(): Promise<void> {
    if (this.server.listening) await this.cut();
    for (const socket of this.sockets) socket.destroy();
  }

  private createServer(): Server {
    return createServer((client) => {
      this.track(client);
      if (this.mode === 'blackhole') return;
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      // Either side failing takes the other down, as a real broken TCP path would.
      const fail = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', fail).on('close', fail);
      upstream.on('error', fail).on('close', fail);
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}
