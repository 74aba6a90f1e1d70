import { readLong, writeLong } from './long.js';
import { isIPv6Host, readHost, writeHost } from './socket-address.js';

/**
 * The offset message id: store host (address + int32 port) and CommitLog offset, in uppercase
 * hex; 32 characters for IPv4, 56 for IPv6.
 */
export function createOffsetMessageId(storeHost: string, physicalOffset: number): string {
  const bytes = Buffer.alloc(isIPv6Host(storeHost) ? 28 : 16);
  const at = writeHost(storeHost, bytes, 0);
  writeLong(bytes, physicalOffset, at);
  return bytes.toString('hex').toUpperCase();
}

/** The store host and CommitLog offset an offset message id names. */
export function decodeOffsetMessageId(id: string): { storeHost: string; physicalOffset: number } {
  if (!/^[0-9a-fA-F]+$/.test(id) || (id.length !== 32 && id.length !== 56)) {
    throw new TypeError(`"${id}" is not an offset message id (32 or 56 hex digits)`);
  }
  const bytes = Buffer.from(id, 'hex');
  const ipv6 = bytes.length === 28;
  return { storeHost: readHost(bytes, 0, ipv6), physicalOffset: readLong(bytes, ipv6 ? 20 : 8) };
}
