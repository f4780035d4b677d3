import Database from 'better-sqlite3'
import type { ExpressRampart } from '@rampart/sdk/express'

export interface Customer {
  readonly id: string
  readonly email: string | null
  readonly name: string | null
}

export interface OrderLine {
  readonly sku: string
  readonly quantity: number
  readonly priceCents: number
}

export interface Order {
  readonly id: number
  readonly customerId: string
  readonly lines: readonly OrderLine[]
  readonly totalCents: number
  readonly createdAt: string
}

interface OrderRow {
  id: number
  customer_id: string
  lines: string
  total_cents: number
  created_at: string
}

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    customerId: row.customer_id,
    lines: JSON.parse(row.lines) as OrderLine[],
    totalCents: row.total_cents,
    createdAt: row.created_at,
  }
}

/**
 * The shop's customers and orders in SQLite. Every query goes through `rampart.timeQuery`,
 * so its duration shows in `db_query_duration_seconds` and, with tracing on, as a span.
 */
export class ShopStore {
  readonly #db: Database.Database
  readonly #rampart: ExpressRampart

  constructor(path: string, rampart: ExpressRampart) {
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = WAL')
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS customers (
        id TEXT PRIMARY KEY,
        email TEXT,
        name TEXT
      );
      CREATE TABLE IF NOT EXISTS orders (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        customer_id TEXT NOT NULL REFERENCES customers (id),
        lines TEXT NOT NULL,
        total_cents INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (customer_id, id);
    `)
    this.#rampart = rampart
  }

  /** Records the customer as the token describes them, on each visit. */
  saveCustomer(customer: Customer): Promise<void> {
    return this.#rampart.timeQuery('upsert', 'customers', () => {
      this.#db
        .prepare(
          `INSERT INTO customers (id, email, name) VALUES (?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET
             email = coalesce(excluded.email, email), name = coalesce(excluded.name, name)`,
        )
        .run(customer.id, customer.email, customer.name)
    })
  }

  findCustomer(id: string): Promise<Customer | undefined> {
    return this.#rampart.timeQuery('select', 'customers', () => {
      return this.#db.prepare('SELECT id, email, name FROM customers WHERE id = ?').get(id) as
        Customer | undefined
    })
  }

  listCustomers(): Promise<Customer[]> {
    return this.#rampart.timeQuery('select', 'customers', () => {
      return this.#db
        .prepare('SELECT id, email, name FROM customers ORDER BY id')
        .all() as Customer[]
    })
  }

  createOrder(customerId: string, lines: readonly OrderLine[]): Promise<Order> {
    const total = lines.reduce((sum, line) => sum + line.quantity * line.priceCents, 0)
    return this.#rampart.timeQuery('insert', 'orders', () => {
      const row = this.#db
        .prepare(
          `INSERT INTO orders (customer_id, lines, total_cents, created_at)
           VALUES (?, ?, ?, ?) RETURNING *`,
        )
        .get(customerId, JSON.stringify(lines), total, new Date().toISOString()) as OrderRow
      return toOrder(row)
    })
  }

  findOrder(id: number): Promise<Order | undefined> {
    return this.#rampart.timeQuery('select', 'orders', () => {
      const row = this.#db.prepare('SELECT * FROM orders WHERE id = ?').get(id) as
        OrderRow | undefined
      return row && toOrder(row)
    })
  }

  listOrders(customerId: string): Promise<Order[]> {
    return this.#rampart.timeQuery('select', 'orders', () => {
      const rows = this.#db
        .prepare('SELECT * FROM orders WHERE customer_id = ? ORDER BY id')
        .all(customerId) as OrderRow[]
      return rows.map(toOrder)
    })
  }

  /** For the readiness check: the database answers. */
  ping(): void {
    this.#db.prepare('SELECT 1').get()
  }

  close(): void {
    this.#db.close()
  }
}
