/**
 * UTF-8 helpers for the short strings of headers and records. Each Buffer string call crosses
 * into C++ at a fixed cost whatever the length; header keys, topics and most values are a few
 * ASCII characters, which a loop here handles in a fraction of that. Anything longer or not
 * ASCII takes Buffer's path.
 */

/** Up to this many characters a loop beats a call into Buffer. */
const SHORT = 24;

/** The UTF-8 bytes of text. */
export function utf8Length(text: string): number {
  if (text.length > SHORT) return Buffer.byteLength(text);
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text);
  return text.length;
}

/** Write text as UTF-8 at offset (the caller made room: utf8Length bytes); returns the bytes written. */
export function writeUtf8(target: Buffer, text: string, offset: number): number {
  const length = text.length;
  if (length > SHORT) return target.write(text, offset, 'utf8');
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return target.write(text, offset, 'utf8');
    target[offset + i] = code;
  }
  return length;
}

/** Strings read recently, by a hash of their bytes; verified byte by byte on a hit. */
const recent = new Map<number, string>();
const RECENT_LIMIT = 4096;

/**
 * Read buffer[start, end) as UTF-8, sharing one string per short ASCII text: header keys, topic
 * names and group names repeat in every frame, and a hit costs a hash and a comparison instead
 * of a new string.
 */
export function readShortUtf8(buffer: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length > SHORT) return buffer.toString('utf8', start, end);
  if (length === 0) return '';
  // One-letter keys (SEND_MESSAGE_V2's a..n) and one-digit values: V8 keeps these strings already.
  if (length === 1 && buffer[start]! <= 0x7f) return String.fromCharCode(buffer[start]!);
  // Numbers (offsets, timestamps) seldom repeat. Kept here, each would outlive a young
  // collection and be promoted for nothing.
  const first = buffer[start]!;
  if ((first >= 0x30 && first <= 0x39) || first === 0x2d) return buffer.toString('utf8', start, end);
  let hash = length;
  for (let i = start; i < end; i++) {
    const byte = buffer[i]!;
    if (byte > 0x7f) return buffer.toString('utf8', start, end);
    hash = (Math.imul(hash, 31) + byte) | 0;
  }
  const known = recent.get(hash);
  if (known !== undefined && known.length === length && sameAscii(known, buffer, start)) return known;
  const text = buffer.toString('latin1', start, end);
  if (recent.size >= RECENT_LIMIT) recent.clear();
  recent.set(hash, text);
  return text;
}

function sameAscii(text: string, buffer: Buffer, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== buffer[start + i]) return false;
  return true;
}
