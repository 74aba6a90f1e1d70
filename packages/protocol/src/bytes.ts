/**
 * Big-endian integers written and read byte by byte. Buffer's writeInt32BE and kin validate
 * their arguments on every call and cost about ten times as much on Node 20, which shows on
 * paths that write a dozen of them per message (records, headers, queue and index entries).
 * Offsets are checked as Buffer checks them: out of range throws a RangeError.
 */

function outOfRange(offset: number, size: number, length: number): RangeError {
  return new RangeError(`${size} bytes at offset ${offset} are out of range of a buffer of ${length} bytes`);
}

export function putInt8(target: Uint8Array, value: number, offset: number): void {
  if (!(offset >= 0 && offset < target.length)) throw outOfRange(offset, 1, target.length);
  target[offset] = value;
}

export function putInt16(target: Uint8Array, value: number, offset: number): void {
  if (!(offset >= 0 && offset + 2 <= target.length)) throw outOfRange(offset, 2, target.length);
  target[offset] = value >>> 8;
  target[offset + 1] = value;
}

/** Signed or unsigned: the low 32 bits of value. */
export function putInt32(target: Uint8Array, value: number, offset: number): void {
  if (!(offset >= 0 && offset + 4 <= target.length)) throw outOfRange(offset, 4, target.length);
  target[offset] = value >>> 24;
  target[offset + 1] = value >>> 16;
  target[offset + 2] = value >>> 8;
  target[offset + 3] = value;
}

export function getInt16(source: Uint8Array, offset: number): number {
  if (!(offset >= 0 && offset + 2 <= source.length)) throw outOfRange(offset, 2, source.length);
  return ((source[offset]! << 24) >> 16) | source[offset + 1]!;
}

export function getInt32(source: Uint8Array, offset: number): number {
  if (!(offset >= 0 && offset + 4 <= source.length)) throw outOfRange(offset, 4, source.length);
  return (source[offset]! << 24) | (source[offset + 1]! << 16) | (source[offset + 2]! << 8) | source[offset + 3]!;
}

export function getUint32(source: Uint8Array, offset: number): number {
  return getInt32(source, offset) >>> 0;
}
