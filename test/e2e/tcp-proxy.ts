import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A loopback TCP forwarder in front of the Worker: `cut()` drops every connection through it at
 * once (both directions, no close handshake), like a network failure between connector and edge.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<[Socket, Socket]>();
  port = 0;
  cuts = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<number> {
    this.server = createServer((inbound) => {
      const outbound = connect({ port: this.targetPort, host: "127.0.0.1" });
      // No Nagle: a forwarder that batches small writes behind delayed ACKs adds tens of ms per
      // frame that no real network path between connector and edge would.
      inbound.setNoDelay(true);
      outbound.setNoDelay(true);
      const pair: [Socket, Socket] = [inbound, outbound];
      this.pairs.add(pair);
      const drop = () => {
        this.pairs.delete(pair);
        inbound.destroy();
        outbound.destroy();
      };
      inbound.on("error", drop).on("close", drop);
      outbound.on("error", drop).on("close", drop);
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  cut(): number {
    const n = this.pairs.size;
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
    if (n > 0) this.cuts++;
    return n;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
