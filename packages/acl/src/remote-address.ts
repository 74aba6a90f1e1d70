import { isIPv4, isIPv6 } from 'node:net';

/** Whether a client address is one a whiteRemoteAddress or globalWhiteRemoteAddresses entry names. */
export type AddressMatcher = (host: string) => boolean;

/** One segment of an IPv4 pattern: an inclusive range (a number n is n-n; "*" is 0-255). */
interface Segment {
  from: number;
  to: number;
}

/** The address a client connected from, as patterns compare it: IPv4-mapped IPv6 is plain IPv4. */
export function normalizeHost(host: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped) return mapped[1]!;
  return isIPv6(host) ? new URL(`http://[${host}]/`).hostname.slice(1, -1) : host;
}

/**
 * RocketMQ's address patterns (RemoteAddressStrategyFactory): blank matches nothing; "*",
 * "*.*.*.*" and "*:*:*:*:*:*:*:*" match all; "a,b,c" and "192.168.1.{1,2,3}" list addresses;
 * "192.168.*" and "192.168.1.1-100" give a range in the trailing IPv4 segments; else one
 * address. A pattern that is none of these throws, naming it.
 */
export function addressMatcher(pattern: string | undefined): AddressMatcher {
  const text = pattern?.trim() ?? '';
  if (text === '') return () => false;
  if (text === '*' || text === '*.*.*.*' || text === '*:*:*:*:*:*:*:*') return () => true;
  if (text.endsWith('}')) return listMatcher(braceList(text));
  if (text.includes(',')) return listMatcher(text.split(',').map((address) => address.trim()));
  if (text.includes('*') || text.includes('-')) return ipv4RangeMatcher(text);
  return listMatcher([text]);
}

function braceList(text: string): string[] {
  const open = text.lastIndexOf('{');
  const head = text.slice(0, open);
  if (open < 0 || !(head.endsWith('.') || head.endsWith(':'))) {
    throw new Error(`address pattern "${text}": a {a,b} list must be the last segment, as 192.168.1.{1,2}`);
  }
  return text
    .slice(open + 1, -1)
    .split(',')
    .map((last) => head + last.trim());
}

function listMatcher(addresses: string[]): AddressMatcher {
  for (const address of addresses) {
    if (!isIPv4(address) && !isIPv6(address)) {
      throw new Error(`address pattern: "${address}" is not an IPv4 or IPv6 address`);
    }
  }
  const set = new Set(addresses.map(normalizeHost));
  return (host) => set.has(normalizeHost(host));
}

function ipv4RangeMatcher(text: string): AddressMatcher {
  const parts = text.split('.');
  const problem = `address pattern "${text}": use IPv4 with "*" or a range "a-b" in the trailing segments, as 192.168.* or 10.0.1.1-100`;
  if (parts.length < 2 || parts.length > 4) throw new Error(problem);
  const segments: Segment[] = [];
  let ranged = false;
  for (const part of [...parts, '*', '*', '*'].slice(0, 4)) {
    const segment = parseSegment(part.trim());
    if (!segment) throw new Error(problem);
    const whole = segment.from === 0 && segment.to === 255;
    // After the first segment that is not one number, only "*" may follow.
    if (ranged && !whole) throw new Error(problem);
    if (segment.from !== segment.to) ranged = true;
    segments.push(segment);
  }
  if (!ranged) throw new Error(problem);
  return (host) => {
    const address = normalizeHost(host);
    if (!isIPv4(address)) return false;
    return address.split('.').every((part, i) => {
      const value = Number(part);
      return value >= segments[i]!.from && value <= segments[i]!.to;
    });
  };
}

function parseSegment(part: string): Segment | undefined {
  if (part === '*') return { from: 0, to: 255 };
  const range = /^(\d{1,3})-(\d{1,3})$/.exec(part);
  if (range) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    return from <= to && to <= 255 ? { from, to } : undefined;
  }
  if (/^\d{1,3}$/.test(part) && Number(part) <= 255) return { from: Number(part), to: Number(part) };
  return undefined;
}
