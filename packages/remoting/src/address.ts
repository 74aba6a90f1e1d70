/** host:port, or [v6-host]:port. */
export interface SocketAddress {
  host: string;
  port: number;
}

/** Parse "host:port" or "[::1]:port", as RocketMQ writes broker and NameServer addresses. */
export function parseAddress(address: string): SocketAddress {
  const at = address.lastIndexOf(':');
  const port = Number(address.slice(at + 1));
  let host = address.slice(0, at);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (at <= 0 || host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new TypeError(`"${address}" is not an address of the form host:port`);
  }
  return { host, port };
}

export function formatAddress(host: string | undefined, port: number | undefined): string {
  if (host === undefined || port === undefined) return 'unknown';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Is host an address only this machine can reach (127.0.0.0/8, ::1, localhost)? */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * What a server without access control says at boot when it listens beyond loopback (what
 * anyone who reaches it can do, and how not to be exposed), or undefined on loopback.
 */
export function exposureWarning(bindAddress: string, port: number, anyoneCan: string): string | undefined {
  if (isLoopback(bindAddress)) return undefined;
  return `listening on ${formatAddress(bindAddress, port)} without access control: any host that reaches this port can ${anyoneCan}. Bind 127.0.0.1 (bindAddress) or keep the port behind a firewall`;
}
