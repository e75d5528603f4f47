// A loopback TCP proxy for fault injection in integration tests: forwards to the API server, and on
// demand freezes its open connections (no bytes either way, nothing closed: a stalled network path),
// stalls new ones the same way, or refuses connections (an outage). TLS passes through untouched, so certificates still verify.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

interface Pair {
  client: Socket;
  upstream: Socket;
}

export class TcpProxy {
  port = 0;
  /** Connections accepted so far (including refused ones). */
  connections = 0;
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  private refusing = false;
  private stallingNew = false;
  private readonly frozen = new Set<Socket>();

  private constructor(targetHost: string, targetPort: number) {
    this.server = createServer((client) => {
      this.accept(client, targetHost, targetPort);
    });
  }

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const address = proxy.server.address();
    if (!address || typeof address === 'string') throw new Error('proxy has no port');
    proxy.port = address.port;
    return proxy;
  }

  /** Stops forwarding on every open connection without closing it; new connections work normally. */
  freezeOpenConnections(): number {
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
      // Keep the connection open whatever the ends do: no FIN or RST is passed on.
      for (const socket of [client, upstream]) {
        socket.removeAllListeners('close');
        socket.removeAllListeners('error');
        socket.removeAllListeners('end');
        socket.on('error', () => undefined);
      }
      this.frozen.add(client).add(upstream);
    }
    const frozen = this.pairs.size;
    this.pairs.clear();
    return frozen;
  }

  /**
   * While on, new connections are accepted and held open but nothing is forwarded (a TLS handshake
   * never completes); off again, new connections work while those stalled stay stalled, as after a
   * path that came back: the client must notice the dead ones itself.
   */
  stallNew(on: boolean): void {
    this.stallingNew = on;
  }

  /** While refusing, open connections are reset and new ones are closed at once. */
  refuse(on: boolean): void {
    this.refusing = on;
    if (!on) return;
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** A copy of `kc` whose current cluster is reached through this proxy. */
  kubeConfig(kc: KubeConfig): KubeConfig {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig without a current cluster');
    const copy = new KubeConfig();
    copy.loadFromOptions({
      clusters: kc.clusters.map((c) =>
        c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${this.port}` } : c,
      ),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    return copy;
  }

  async close(): Promise<void> {
    this.refuse(true);
    for (const socket of this.frozen) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  private accept(client: Socket, host: string, port: number): void {
    this.connections++;
    if (this.refusing) {
      client.destroy();
      return;
    }
    if (this.stallingNew) {
      client.pause();
      client.on('error', () => undefined);
      this.frozen.add(client);
      return;
    }
    const upstream = connect(port, host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
