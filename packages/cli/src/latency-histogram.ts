/** Units of 10 µs below 2^LINEAR_BITS count exactly, one bucket each. */
const LINEAR_BITS = 10;
const LINEAR_UNITS = 2 ** LINEAR_BITS;
/** Above them, each power of two splits into 2^SUB_BITS buckets: 0.2% precision. */
const SUB_BITS = 9;
const SUB_BUCKETS = 2 ** SUB_BITS;
/** 2^31 units of 10 µs, about six hours: longer latencies count in the last bucket. */
const MAX_UNITS = 2 ** 31 - 1;

/** The bucket of a latency of `units` × 10 µs. */
function bucketOf(units: number): number {
  if (units < LINEAR_UNITS) return units;
  const exponent = 31 - Math.clz32(units);
  return LINEAR_UNITS + (exponent - LINEAR_BITS) * SUB_BUCKETS + ((units >>> (exponent - SUB_BITS)) - SUB_BUCKETS);
}

/** The lowest latency, in ms, that falls in bucket. */
function lowestOf(bucket: number): number {
  if (bucket < LINEAR_UNITS) return bucket / 100;
  const exponent = LINEAR_BITS + Math.floor((bucket - LINEAR_UNITS) / SUB_BUCKETS);
  const sub = (bucket - LINEAR_UNITS) % SUB_BUCKETS;
  return ((SUB_BUCKETS + sub) * 2 ** (exponent - SUB_BITS)) / 100;
}

/**
 * Latencies to 10 µs below 10 ms, and to 0.2% above: percentiles without keeping (and
 * collecting) every sample. One histogram serves the whole run and one each second, reset by
 * clearing only the buckets it used, in tens of kilobytes. A histogram of 10 µs buckets up to
 * 60 s would take megabytes outside the heap, enough in a busy producer to set off the
 * promotion cascade that InFlightTable (@rocketnest/remoting) describes: longer young-generation
 * pauses, latency the benchmark itself would add to the figures it prints.
 */
export class LatencyHistogram {
  private readonly buckets = new Uint32Array(bucketOf(MAX_UNITS) + 1);
  /** The lowest and highest bucket used since the last reset. */
  private low = Number.POSITIVE_INFINITY;
  private high = -1;
  count = 0;
  max = 0;

  record(ms: number): void {
    const bucket = bucketOf(Math.min(MAX_UNITS, Math.max(0, Math.floor(ms * 100))));
    this.buckets[bucket]!++;
    if (bucket < this.low) this.low = bucket;
    if (bucket > this.high) this.high = bucket;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The latency, in ms, that p% of the samples are at or below (the lowest of its bucket). */
  percentile(p: number): number {
    const rank = Math.ceil((this.count * p) / 100);
    let seen = 0;
    for (let i = this.low; i <= this.high && seen < rank; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return lowestOf(i);
    }
    return 0;
  }

  reset(): void {
    if (this.high >= 0) this.buckets.fill(0, this.low, this.high + 1);
    this.low = Number.POSITIVE_INFINITY;
    this.high = -1;
    this.count = 0;
    this.max = 0;
  }
}
