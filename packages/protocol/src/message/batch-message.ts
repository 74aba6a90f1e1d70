import { getInt16, getInt32, putInt16, putInt32 } from '../bytes.js';
/** One message of a SEND_BATCH_MESSAGE body. */
export interface BatchEntry {
  flag: number;
  body: Buffer;
  properties: string;
}

/**
 * Split a batch body (MessageDecoder.encodeMessage entries: totalSize, magic 0, crc 0, flag,
 * body length, body, properties length, properties) into its messages. Bodies are views.
 */
export function decodeBatchBody(body: Buffer): BatchEntry[] {
  const entries: BatchEntry[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 22) throw new RangeError(`batch entry at ${at} is cut short`);
    const totalSize = getInt32(body, at);
    const bodyLength = getInt32(body, at + 16);
    if (bodyLength < 0 || at + 22 + bodyLength > body.length)
      throw new RangeError(`batch entry at ${at} overruns the body`);
    const propertiesLength = getInt16(body, at + 20 + bodyLength);
    const end = at + 22 + bodyLength + propertiesLength;
    if (propertiesLength < 0 || end > body.length || totalSize !== end - at) {
      throw new RangeError(`batch entry at ${at} declares ${totalSize} bytes but holds ${end - at}`);
    }
    entries.push({
      flag: getInt32(body, at + 12),
      body: body.subarray(at + 20, at + 20 + bodyLength),
      properties: body.toString('utf8', at + 22 + bodyLength, end),
    });
    at = end;
  }
  return entries;
}

/** Encode messages as a batch body: measured first, then written into one buffer. */
export function encodeBatchBody(entries: readonly BatchEntry[]): Buffer {
  const propertiesLengths = entries.map((entry) => Buffer.byteLength(entry.properties));
  let total = 0;
  for (let i = 0; i < entries.length; i++) total += 22 + entries[i]!.body.length + propertiesLengths[i]!;
  const target = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const { flag, body, properties } = entries[i]!;
    const size = 22 + body.length + propertiesLengths[i]!;
    putInt32(target, size, at);
    putInt32(target, 0, at + 4); // magic
    putInt32(target, 0, at + 8); // body CRC
    putInt32(target, flag, at + 12);
    putInt32(target, body.length, at + 16);
    target.set(body, at + 20);
    putInt16(target, propertiesLengths[i]!, at + 20 + body.length);
    target.write(properties, at + 22 + body.length, 'utf8');
    at += size;
  }
  return target;
}
