/**
 * Latencies in 10 µs buckets up to 60 s: percentiles without keeping (and collecting) every
 * sample. One histogram serves the whole run and one each second, reset by clearing only the
 * buckets it used: clearing or allocating all 24 MB took milliseconds, a stall each second that
 * showed in the very latencies measured.
 */
export class LatencyHistogram {
  private readonly buckets = new Uint32Array(6_000_000);
  /** The lowest and highest bucket used since the last reset. */
  private low = Number.POSITIVE_INFINITY;
  private high = -1;
  count = 0;
  max = 0;

  record(ms: number): void {
    const bucket = Math.min(this.buckets.length - 1, Math.max(0, Math.floor(ms * 100)));
    this.buckets[bucket]!++;
    if (bucket < this.low) this.low = bucket;
    if (bucket > this.high) this.high = bucket;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  percentile(p: number): number {
    const rank = Math.ceil((this.count * p) / 100);
    let seen = 0;
    for (let i = this.low; i <= this.high && seen < rank; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i / 100;
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
