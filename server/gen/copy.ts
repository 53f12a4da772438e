// COPY … FROM STDIN in PostgreSQL's text format: the fastest way to load rows from Node.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { copyInto } from "./queries";

const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One value in COPY text format: \N for null, ISO-8601 for dates, JSON for objects. */
export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return `{${v.join(",")}}`;
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : s;
}

export function copyLine(values: readonly unknown[]): string {
  let out = "";
  for (let i = 0; i < values.length; i++) out += (i ? "\t" : "") + copyValue(values[i]);
  return out + "\n";
}

/** Rows for one table, buffered as text in pieces of a few hundred kilobytes. */
export class CopyBuffer {
  readonly pieces: string[] = [];
  private current = "";
  rows = 0;

  constructor(
    readonly table: string,
    readonly columns: readonly string[],
  ) {}

  add(values: readonly unknown[]): void {
    this.current += copyLine(values);
    this.rows++;
    if (this.current.length > 256 * 1024) {
      this.pieces.push(this.current);
      this.current = "";
    }
  }

  /** Sends the buffered rows with one COPY statement and empties the buffer. */
  async flush(client: pg.PoolClient | pg.Client): Promise<number> {
    if (this.current) this.pieces.push(this.current);
    this.current = "";
    const rows = this.rows;
    if (!rows) return 0;
    const pieces = this.pieces.splice(0);
    this.rows = 0;
    await pipeline(Readable.from(pieces), copyInto(client, this.table, this.columns));
    return rows;
  }
}
