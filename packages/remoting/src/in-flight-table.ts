/**
 * Requests in flight by opaque: a hash table on int32 keys with open addressing (linear probing,
 * deletion by backward shift) in arrays that grow and never shrink.
 *
 * Why not a Map: a Map whose entries come and go thousands of times a second replaces its
 * backing table every few hundred operations, and V8 links each discarded table to its successor
 * (for iterators still walking it). Once one of them is promoted to the old generation, that
 * link keeps every later table, and every request, response and promise they hold, alive
 * through each young-generation GC until the next full one: at 10,000 sends a second a
 * producer copied and promoted 1.5 MB per scavenge, and its pauses grew from under 1 ms to 3.
 */
export class InFlightTable<V> {
  private keys = new Int32Array(INITIAL_CAPACITY);
  private values: (V | undefined)[] = new Array<V | undefined>(INITIAL_CAPACITY).fill(undefined);
  private mask = INITIAL_CAPACITY - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: number): V | undefined {
    return this.values[this.slotOf(key)];
  }

  has(key: number): boolean {
    return this.values[this.slotOf(key)] !== undefined;
  }

  set(key: number, value: V): void {
    // At most half full, so that probe runs stay short.
    if (2 * (this.count + 1) > this.values.length) this.grow();
    const slot = this.slotOf(key);
    if (this.values[slot] === undefined) this.count++;
    this.keys[slot] = key;
    this.values[slot] = value;
  }

  /** Remove the entry of key and return its value (undefined when there is none). */
  take(key: number): V | undefined {
    let hole = this.slotOf(key);
    const value = this.values[hole];
    if (value === undefined) return undefined;
    this.values[hole] = undefined;
    this.count--;
    // Move back every entry of the run after the hole that its home slot lets move, so that
    // lookups never meet a hole before the entry they look for.
    for (let slot = (hole + 1) & this.mask; this.values[slot] !== undefined; slot = (slot + 1) & this.mask) {
      const home = this.home(this.keys[slot]!);
      const between = hole <= slot ? hole < home && home <= slot : hole < home || home <= slot;
      if (between) continue;
      this.keys[hole] = this.keys[slot]!;
      this.values[hole] = this.values[slot];
      this.values[slot] = undefined;
      hole = slot;
    }
    return value;
  }

  /** Every entry as [key, value], taken before the caller changes the table. */
  entries(): [number, V][] {
    const entries: [number, V][] = [];
    for (let slot = 0; slot < this.values.length; slot++) {
      const value = this.values[slot];
      if (value !== undefined) entries.push([this.keys[slot]!, value]);
    }
    return entries;
  }

  /** Opaques are consecutive integers: their low bits spread them over the slots evenly. */
  private home(key: number): number {
    return key & this.mask;
  }

  /** The slot holding key, or the empty slot where it would go. */
  private slotOf(key: number): number {
    let slot = this.home(key);
    while (this.values[slot] !== undefined && this.keys[slot] !== key) slot = (slot + 1) & this.mask;
    return slot;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    const capacity = values.length * 2;
    this.keys = new Int32Array(capacity);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.count = 0;
    for (let slot = 0; slot < values.length; slot++) {
      const value = values[slot];
      if (value !== undefined) this.set(keys[slot]!, value);
    }
  }
}

const INITIAL_CAPACITY = 64;
