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
