/** A Java long read as a number (exact up to 2^53, which offsets and timestamps stay below). */
export function readLong(source: Buffer, offset: number): number {
  return source.readInt32BE(offset) * 0x1_0000_0000 + source.readUInt32BE(offset + 4);
}

/** Write a number as a Java long. */
export function writeLong(target: Buffer, value: number, offset: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  target.writeInt32BE(high | 0, offset);
  target.writeUInt32BE(value - high * 0x1_0000_0000, offset + 4);
}
