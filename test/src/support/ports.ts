import { createServer } from 'node:net';

/** A port free on 127.0.0.1 now, for a server started as a separate process. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * A port free now whose port - 2 is free too, for a broker (which also listens on listenPort - 2,
 * RocketMQ's VIP channel), neither of them nor any of `taken`; all three are added to taken.
 */
export async function freeBrokerPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port <= 2 || taken.has(port) || taken.has(port - 2) || !(await isFree(port - 2))) continue;
    taken.add(port).add(port - 2);
    return port;
  }
}

/** A port free now that is not in taken; it is added to taken. */
export async function freePortBut(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (taken.has(port)) continue;
    taken.add(port);
    return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
