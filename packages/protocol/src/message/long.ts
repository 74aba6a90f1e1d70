import { getInt32, getUint32, putInt32 } from '../bytes.js';

/** A Java long read as a number (exact up to 2^53, which offsets and timestamps stay below). */
export function readLong(source: Uint8Array, offset: number): number {
  return getInt32(source, offset) * 0x1_0000_0000 + getUint32(source, offset + 4);
}

/** Write a number as a Java long. */
export function writeLong(target: Uint8Array, value: number, offset: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  putInt32(target, high | 0, offset);
  putInt32(target, value - high * 0x1_0000_0000, offset + 4);
}
