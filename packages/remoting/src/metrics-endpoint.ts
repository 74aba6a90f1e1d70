import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, type Registry } from 'prom-client';

/**
 * GET /metrics on its own port, in Prometheus' text format, from a registry whose collectors read
 * the server's state at each scrape; anything else is 404. Opt-in: nothing listens unless asked.
 */
export class MetricsEndpoint {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(registry: Registry, host: string, port: number): Promise<MetricsEndpoint> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Prometheus metrics are at GET /metrics\n');
        return;
      }
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) =>
          response
            .writeHead(500, { 'content-type': 'text/plain' })
            .end(`metrics failed: ${(error as Error).message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            `metrics: cannot listen on ${host}:${port} (${error.code ?? error.message}); set metricsPromExporterPort to a free port`,
            { cause: error },
          ),
        ),
      );
      server.listen(port, host, () => resolve());
    });
    return new MetricsEndpoint(server, (server.address() as AddressInfo).port);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A gauge of registry whose value read() gives at each scrape. */
export function collectedGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
