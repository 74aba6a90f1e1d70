import { readLong } from './long.js';
import { isIPv6Host, readHost, writeHost } from './socket-address.js';

/**
 * The offset message id: store host (address + int32 port) and CommitLog offset, in uppercase
 * hex; 32 characters for IPv4, 56 for IPv6.
 */
export function createOffsetMessageId(storeHost: string, physicalOffset: number): string {
  let host = hostHex.get(storeHost);
  if (host === undefined) {
    const bytes = Buffer.alloc(isIPv6Host(storeHost) ? 20 : 8);
    writeHost(storeHost, bytes, 0);
    host = bytes.toString('hex').toUpperCase();
    if (hostHex.size >= 4096) hostHex.clear();
    hostHex.set(storeHost, host);
  }
  // Offsets are below 2^53: 16 hex digits of a non-negative number.
  return host + upperHex32(Math.floor(physicalOffset / 0x1_0000_0000)) + upperHex32(physicalOffset >>> 0);
}

/** Uppercase hex of each byte value: ids are made for every message, and a table beats toString(16). */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).toUpperCase().padStart(2, '0'));

/** 8 uppercase hex digits of an unsigned 32-bit value. */
export function upperHex32(value: number): string {
  return HEX[value >>> 24]! + HEX[(value >>> 16) & 0xff]! + HEX[(value >>> 8) & 0xff]! + HEX[value & 0xff]!;
}

/** 4 uppercase hex digits of an unsigned 16-bit value. */
export function upperHex16(value: number): string {
  return HEX[(value >>> 8) & 0xff]! + HEX[value & 0xff]!;
}

/** Store hosts in hex by their text: a store names the same host in every id. */
const hostHex = new Map<string, string>();

/** The store host and CommitLog offset an offset message id names. */
export function decodeOffsetMessageId(id: string): { storeHost: string; physicalOffset: number } {
  if (!/^[0-9a-fA-F]+$/.test(id) || (id.length !== 32 && id.length !== 56)) {
    throw new TypeError(`"${id}" is not an offset message id (32 or 56 hex digits)`);
  }
  const bytes = Buffer.from(id, 'hex');
  const ipv6 = bytes.length === 28;
  return { storeHost: readHost(bytes, 0, ipv6), physicalOffset: readLong(bytes, ipv6 ? 20 : 8) };
}
