/**
 * Java's String.hashCode(): h = 31 * h + c over UTF-16 code units, in int32 arithmetic. RocketMQ
 * uses it for ConsumeQueue tag codes, subscription code sets and IndexFile key hashes. `from`
 * continues a hash: javaStringHashCode(b, javaStringHashCode(a)) is the hash of a + b.
 */
export function javaStringHashCode(text: string, from = 0): number {
  let hash = from;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/** The ConsumeQueue tag code of a tag: its hash code, or 0 when there is no tag. */
export function tagsCode(tag: string | undefined): number {
  return tag ? javaStringHashCode(tag) : 0;
}
