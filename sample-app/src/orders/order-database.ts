import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import initSqlJs, { type Database } from 'sql.js';

export type OrderStatus = 'pending' | 'paid' | 'cancelled';

export interface Order {
  id: string;
  item: string;
  quantity: number;
  status: OrderStatus;
  createdAt: number;
}

/**
 * The order table in SQLite (sql.js: SQLite compiled to WebAssembly, so no native build). Each
 * local transaction runs in BEGIN/COMMIT and the database file is rewritten (to a temporary file,
 * then renamed) before it returns, so a committed order survives a restart.
 */
export class OrderDatabase {
  private constructor(
    private readonly db: Database,
    private readonly path: string | undefined,
  ) {}

  static async open(path?: string): Promise<OrderDatabase> {
    const SQL = await initSqlJs();
    const db = path && existsSync(path) ? new SQL.Database(readFileSync(path)) : new SQL.Database();
    db.run(`CREATE TABLE IF NOT EXISTS orders (
      id TEXT PRIMARY KEY, item TEXT NOT NULL, quantity INTEGER NOT NULL,
      status TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    db.run(`CREATE TABLE IF NOT EXISTS order_events (
      order_id TEXT NOT NULL, type TEXT NOT NULL, at INTEGER NOT NULL)`);
    return new OrderDatabase(db, path);
  }

  /** Run work in one SQLite transaction; it commits (and is written to disk) only if work returns. */
  transaction<T>(work: () => T): T {
    this.db.run('BEGIN');
    try {
      const result = work();
      this.db.run('COMMIT');
      this.save();
      return result;
    } catch (error) {
      this.db.run('ROLLBACK');
      throw error;
    }
  }

  insert(order: Order): void {
    this.db.run('INSERT INTO orders (id, item, quantity, status, created_at) VALUES (?, ?, ?, ?, ?)', [
      order.id,
      order.item,
      order.quantity,
      order.status,
      order.createdAt,
    ]);
  }

  /** Move an order from one status to another; false when it was not in that status. */
  transition(id: string, from: OrderStatus, to: OrderStatus): boolean {
    this.db.run('UPDATE orders SET status = ? WHERE id = ? AND status = ?', [to, id, from]);
    return this.db.getRowsModified() === 1;
  }

  find(id: string): Order | undefined {
    const statement = this.db.prepare('SELECT id, item, quantity, status, created_at FROM orders WHERE id = ?', [id]);
    try {
      if (!statement.step()) return undefined;
      const [orderId, item, quantity, status, createdAt] = statement.get();
      return {
        id: String(orderId),
        item: String(item),
        quantity: Number(quantity),
        status: status as OrderStatus,
        createdAt: Number(createdAt),
      };
    } finally {
      statement.free();
    }
  }

  recordEvent(orderId: string, type: string): void {
    this.transaction(() =>
      this.db.run('INSERT INTO order_events (order_id, type, at) VALUES (?, ?, ?)', [orderId, type, Date.now()]),
    );
  }

  events(orderId: string): string[] {
    const result = this.db.exec('SELECT type FROM order_events WHERE order_id = ? ORDER BY rowid', [orderId]);
    return (result[0]?.values ?? []).map(([type]) => String(type));
  }

  private save(): void {
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(`${this.path}.tmp`, this.db.export());
    renameSync(`${this.path}.tmp`, this.path);
  }
}
