/**
 * Close every item, even when some fail (a full disk failing their last writes), then throw the
 * first failure with how many there were: one file that cannot be written must not leave the
 * others open.
 */
export function closeEach<T>(items: Iterable<T>, close: (item: T) => void): void {
  const failures: unknown[] = [];
  for (const item of items) {
    try {
      close(item);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 0) return;
  const first = failures[0] as Error;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  throw new Error(`${first.message}${more}`, { cause: first });
}
