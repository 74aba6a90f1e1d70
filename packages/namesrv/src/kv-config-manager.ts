/**
 * KVConfigManager: namespaced key/values that tools put on the NameServer (ORDER_TOPIC_CONFIG
 * for global order topics). Kept in memory: like routes, they are put again by whoever owns them.
 */
export class KVConfigManager {
  private readonly namespaces = new Map<string, Map<string, string>>();

  put(namespace: string, key: string, value: string): void {
    let table = this.namespaces.get(namespace);
    if (!table) this.namespaces.set(namespace, (table = new Map()));
    table.set(key, value);
  }

  get(namespace: string, key: string): string | undefined {
    return this.namespaces.get(namespace)?.get(key);
  }

  delete(namespace: string, key: string): void {
    const table = this.namespaces.get(namespace);
    table?.delete(key);
    if (table?.size === 0) this.namespaces.delete(namespace);
  }

  /** Every key of a namespace, or undefined when it has none. */
  list(namespace: string): Record<string, string> | undefined {
    const table = this.namespaces.get(namespace);
    return table && table.size > 0 ? Object.fromEntries(table) : undefined;
  }
}

/** The namespace of global order topics: value "brokerName:queueNums;..." per topic. */
export const ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';
