import { getInt32, getUint32, putInt32 } from '../bytes.js';
/** An address as RocketMQ stores it in a record: IPv4 (4 bytes) or IPv6 (16 bytes), then an int32 port. */

/** Bytes a host takes in a record: 8 for IPv4, 20 for IPv6. */
export function hostLength(host: string): number {
  return isIPv6Host(host) ? 20 : 8;
}

export function isIPv6Host(host: string): boolean {
  return host.startsWith('[');
}

/** Encoded hosts by their text: a store sees the same few hosts over and over. */
const encodedHosts = new Map<string, Buffer>();

/** IPv4 hosts read by readHost, by address * 65536 + port. */
const decodedIPv4Hosts = new Map<number, string>();

/** Write "a.b.c.d:port" or "[v6]:port" at offset; returns the offset after it. */
export function writeHost(host: string, target: Buffer, offset: number): number {
  let encoded = encodedHosts.get(host);
  if (!encoded) {
    encoded = Buffer.alloc(hostLength(host));
    encodeHost(host, encoded);
    if (encodedHosts.size >= 4096) encodedHosts.clear();
    encodedHosts.set(host, encoded);
  }
  target.set(encoded, offset);
  return offset + encoded.length;
}

function encodeHost(host: string, target: Buffer): void {
  const offset = 0;
  const at = host.lastIndexOf(':');
  const address = host.slice(0, at);
  const port = Number(host.slice(at + 1));
  if (at < 0 || !Number.isInteger(port)) throw new TypeError(`"${host}" is not an address of the form ip:port`);
  if (address.startsWith('[')) {
    const bytes = ipv6Bytes(address.slice(1, -1));
    bytes.copy(target, offset);
    putInt32(target, port, offset + 16);
    return;
  }
  const parts = address.split('.');
  if (parts.length !== 4) throw new TypeError(`"${host}" is not an IPv4 address with a port`);
  for (let i = 0; i < 4; i++) {
    const part = Number(parts[i]);
    if (!Number.isInteger(part) || part < 0 || part > 255) throw new TypeError(`"${host}" is not an IPv4 address`);
    target[offset + i] = part;
  }
  putInt32(target, port, offset + 4);
}

/** Read a host written by writeHost. */
export function readHost(source: Buffer, offset: number, ipv6: boolean): string {
  if (ipv6) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(source.readUInt16BE(offset + i).toString(16));
    return `[${groups.join(':')}]:${getInt32(source, offset + 16)}`;
  }
  const address = getUint32(source, offset);
  const port = getInt32(source, offset + 4);
  if (port >>> 16 !== 0) return ipv4Text(address, port);
  // A consumer decodes the same few hosts in every record: one string each, not one per record.
  const key = address * 0x1_0000 + port;
  let host = decodedIPv4Hosts.get(key);
  if (host === undefined) {
    host = ipv4Text(address, port);
    if (decodedIPv4Hosts.size >= 4096) decodedIPv4Hosts.clear();
    decodedIPv4Hosts.set(key, host);
  }
  return host;
}

function ipv4Text(address: number, port: number): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}:${port}`;
}

function ipv6Bytes(address: string): Buffer {
  const bytes = Buffer.alloc(16);
  let text = address;
  const tail: number[] = [];
  // An embedded IPv4 address (::ffff:1.2.3.4) ends the address.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    tail.push((Number(v4[1]) << 8) | Number(v4[2]), (Number(v4[3]) << 8) | Number(v4[4]));
    text = text.slice(0, v4.index).replace(/:$/, '') || ':';
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) =>
    part
      ? part
          .split(':')
          .filter((g) => g !== '')
          .map((g) => parseInt(g, 16))
      : [];
  const before = parse(head);
  const after = [...parse(rest), ...tail];
  const groups =
    rest === undefined
      ? [...before, ...tail]
      : [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) {
    throw new TypeError(`"${address}" is not an IPv6 address`);
  }
  groups.forEach((group, i) => bytes.writeUInt16BE(group, i * 2));
  return bytes;
}
