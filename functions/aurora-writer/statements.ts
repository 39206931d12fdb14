/**
 * SQL for a validated write event. Every identifier comes from the contract's allow-list and is
 * quoted; every value is a bind parameter. Statements read only key columns (filters, conflict
 * targets, RETURNING): the only columns lambda_writer may SELECT.
 */
import { escapeIdentifier } from "pg";
import { WRITER_TABLES, type WriteEvent, type WriterTable } from "../shared/contracts/aurora-writer";

export interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

/** The columns present in any row, in the table's declared order (stable SQL text, so prepared plans repeat). */
function columnsOf(spec: WriterTable, rows: readonly Record<string, unknown>[]): string[] {
  return Object.keys(spec.row.shape).filter((c) => rows.some((r) => r[c] !== undefined));
}

const list = (columns: readonly string[]) => columns.map(escapeIdentifier).join(", ");

export function buildStatements(event: WriteEvent): Statement[] {
  const spec: WriterTable = WRITER_TABLES[event.table];
  const table = `${escapeIdentifier(spec.schema)}.${escapeIdentifier(spec.table)}`;
  const returning = `RETURNING ${list(spec.key)}`;
  const keyFilter = (offset: number) => spec.key.map((k, i) => `${escapeIdentifier(k)} = $${offset + i + 1}`).join(" AND ");

  switch (event.operation) {
    case "insert": {
      // One multi-row INSERT; a column a row leaves out takes its DEFAULT.
      const columns = columnsOf(spec, event.rows);
      const values: unknown[] = [];
      const tuples = event.rows.map((row) => `(${columns.map((c) => (row[c] === undefined ? "DEFAULT" : `$${values.push(row[c])}`)).join(", ")})`);
      return [{ text: `INSERT INTO ${table} (${list(columns)}) VALUES ${tuples.join(", ")} ${returning}`, values }];
    }
    case "upsert":
      // Not `SET c = EXCLUDED.c`: reading EXCLUDED.c needs SELECT on c (measured on 15.18), which the
      // writer must not have. Binding the row's values a second time needs only UPDATE.
      return event.rows.map((row) => {
        const columns = columnsOf(spec, [row]);
        const updates = columns.filter((c) => !spec.key.includes(c));
        const at = (c: string) => columns.indexOf(c) + 1;
        return {
          text: `INSERT INTO ${table} (${list(columns)}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")}) ON CONFLICT (${list(spec.key)}) DO UPDATE SET ${updates.map((c) => `${escapeIdentifier(c)} = $${at(c)}`).join(", ")} ${returning}`,
          values: columns.map((c) => row[c]),
        };
      });
    case "update":
      return event.rows.map((row) => {
        const updates = columnsOf(spec, [row]).filter((c) => !spec.key.includes(c));
        return {
          text: `UPDATE ${table} SET ${updates.map((c, i) => `${escapeIdentifier(c)} = $${i + 1}`).join(", ")} WHERE ${keyFilter(updates.length)} ${returning}`,
          values: [...updates.map((c) => row[c]), ...spec.key.map((k) => row[k])],
        };
      });
    case "delete":
      return event.rows.map((row) => ({ text: `DELETE FROM ${table} WHERE ${keyFilter(0)} ${returning}`, values: spec.key.map((k) => row[k]) }));
  }
}
