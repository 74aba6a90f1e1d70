import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { upperHex16, upperHex32 } from '@rocketnest/protocol';

/** This host's first non-internal IPv4 address, or undefined. */
export function localIPv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return undefined;
}

/** The fixed part of every UNIQ_KEY of this process: IPv4, pid, a per-process random int (message-format.md §6.2). */
function processPrefix(): string {
  const bytes = Buffer.alloc(10);
  const ip = localIPv4();
  if (ip) ip.split('.').forEach((part, i) => bytes.writeUInt8(Number(part), i));
  else randomBytes(4).copy(bytes, 0);
  bytes.writeUInt16BE(process.pid & 0xffff, 4);
  randomBytes(4).copy(bytes, 6);
  return bytes.toString('hex').toUpperCase();
}

const prefix = processPrefix();
let counter = 0;
let monthStart = 0;
let nextMonthStart = 0;

let timeOf = -1;
let timeHex = '';

/** A new UNIQ_KEY: the process prefix, ms since the start of this month, and a counter (MessageClientIDSetter). */
export function createUniqueId(now = Date.now()): string {
  if (now !== timeOf) {
    if (now >= nextMonthStart || now < monthStart) {
      const date = new Date(now);
      monthStart = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
      nextMonthStart = new Date(date.getFullYear(), date.getMonth() + 1, 1).getTime();
    }
    const time = (now - monthStart) >>> 0;
    timeOf = now;
    timeHex = prefix + upperHex32(time);
  }
  const count = counter++ & 0xffff;
  return timeHex + upperHex16(count);
}
