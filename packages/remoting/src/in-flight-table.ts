/**
 * Requests in flight by opaque: a hash table on int32 keys with open addressing (Robin Hood
 * linear probing, deletion by backward shift) in arrays that grow and never shrink.
 *
 * Robin Hood keeps each run of occupied slots ordered by home slot, so that a deletion shifts
 * back only the displaced entries after it and stops at the first entry in its home slot. With
 * plain linear probing a deletion must walk its whole run: consecutive opaques fill one run as
 * long as the requests in flight, so removing a response cost time in proportion to them.
 *
 * Why not a Map: a Map whose entries come and go thousands of times a second replaces its
 * backing table every few hundred operations, and V8 links each discarded table to its successor
 * (for iterators still walking it). Once one of them is promoted to the old generation, that
 * link keeps every later table, and every request, response and promise they hold, alive
 * through each young-generation GC until the next full one, so that every scavenge copies and
 * promotes them and its pauses grow with the request rate.
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
    const slot = this.slotOf(key);
    return slot < 0 ? undefined : this.values[slot];
  }

  has(key: number): boolean {
    return this.slotOf(key) >= 0;
  }

  set(key: number, value: V): void {
    const found = this.slotOf(key);
    if (found >= 0) {
      this.values[found] = value;
      return;
    }
    // At most half full, so that probe runs stay short.
    if (2 * (this.count + 1) > this.values.length) this.grow();
    this.count++;
    this.insert(key, value);
  }

  /**
   * Place a key the table does not hold. An entry further from its home than the resident of a
   * slot takes that slot, and the resident moves on: each run stays ordered by home slot.
   */
  private insert(key: number, value: V): void {
    let slot = this.home(key);
    let distance = 0;
    for (;;) {
      const resident = this.values[slot];
      if (resident === undefined) {
        this.keys[slot] = key;
        this.values[slot] = value;
        return;
      }
      const residentDistance = this.distance(slot);
      if (residentDistance < distance) {
        const residentKey = this.keys[slot]!;
        this.keys[slot] = key;
        this.values[slot] = value;
        key = residentKey;
        value = resident;
        distance = residentDistance;
      }
      slot = (slot + 1) & this.mask;
      distance++;
    }
  }

  /** Remove the entry of key and return its value (undefined when there is none). */
  take(key: number): V | undefined {
    let hole = this.slotOf(key);
    if (hole < 0) return undefined;
    const value = this.values[hole];
    this.count--;
    // Move each displaced entry after the hole one slot back, so that lookups never meet a hole
    // before the entry they look for; the run's order ends the shift at an entry in its home.
    for (let slot = (hole + 1) & this.mask; this.values[slot] !== undefined && this.distance(slot) > 0;) {
      this.keys[hole] = this.keys[slot]!;
      this.values[hole] = this.values[slot];
      hole = slot;
      slot = (slot + 1) & this.mask;
    }
    this.values[hole] = undefined;
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

  /** How far the entry in slot sits past its home slot. */
  private distance(slot: number): number {
    return (slot - this.home(this.keys[slot]!)) & this.mask;
  }

  /** The slot holding key, or -1. The search ends at a resident nearer its home than key would be. */
  private slotOf(key: number): number {
    let slot = this.home(key);
    for (let distance = 0; this.values[slot] !== undefined && this.distance(slot) >= distance; distance++) {
      if (this.keys[slot] === key) return slot;
      slot = (slot + 1) & this.mask;
    }
    return -1;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    const capacity = values.length * 2;
    this.keys = new Int32Array(capacity);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    for (let slot = 0; slot < values.length; slot++) {
      const value = values[slot];
      if (value !== undefined) this.insert(keys[slot]!, value);
    }
  }
}

const INITIAL_CAPACITY = 64;
