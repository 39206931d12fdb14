/**
 * Contract of the Aurora writer function (`<prefix>-aurora-iam-writer`, invoked synchronously with
 * the Lambda Invoke API): the tables it may write (an allow-list; identifiers come from here, never
 * from an event), the event and answer schemas, error codes, the function's environment and its
 * metric names. Imported by the function, the stack, the bench and the tests. zod only.
 */
import { z } from "zod";

/** The database user the writer logs in as, through RDS Proxy, with an IAM token. */
export const WRITER_DB_USER = "lambda_writer";

/** Rows one event may carry: one transaction, one multi-row statement, well under PostgreSQL's 65,535 bind parameters. */
export const MAX_ROWS_PER_EVENT = 500;

export const WRITE_OPERATIONS = ["insert", "upsert", "update", "delete"] as const;
export type WriteOperation = (typeof WRITE_OPERATIONS)[number];

export interface WriterTable<Row extends z.ZodObject = z.ZodObject> {
  readonly schema: "foo" | "bar";
  readonly table: string;
  /** Primary-key columns: the only columns the writer reads (filters, conflict targets, RETURNING). */
  readonly key: readonly string[];
  /** Every column the writer may set, with its type; the key included unless the database generates it. */
  readonly row: Row;
  /** Columns the database generates (identity): never set on insert. */
  readonly generated: readonly string[];
  readonly operations: readonly WriteOperation[];
}

const eventRow = z
  .object({
    event_id: z.uuid(),
    source: z.string().min(1).max(200),
    payload: z.record(z.string(), z.unknown()),
    occurred_at: z.iso.datetime({ offset: true }),
  })
  .strict();

const metricRow = z
  .object({
    // GENERATED ALWAYS AS IDENTITY: the database assigns it on insert; update and delete name it.
    id: z.number().int().positive(),
    name: z.string().min(1).max(200),
    value: z.number().refine(Number.isFinite, { error: "a finite number" }),
  })
  .strict();

/** The allow-list. A table that is not here cannot be written, whatever the database would allow. */
export const WRITER_TABLES = {
  "foo.events": { schema: "foo", table: "events", key: ["event_id"], row: eventRow, generated: [], operations: ["insert", "upsert", "update", "delete"] },
  "bar.metrics": { schema: "bar", table: "metrics", key: ["id"], row: metricRow, generated: ["id"], operations: ["insert", "update", "delete"] },
} as const satisfies Record<string, WriterTable>;

export type WriterTableName = keyof typeof WRITER_TABLES;
export const WRITER_TABLE_NAMES = Object.keys(WRITER_TABLES) as [WriterTableName, ...WriterTableName[]];

/**
 * The row schema of one operation: insert takes every non-generated column, upsert every column
 * including the key, update the key and at least one other column, delete only the key.
 */
export function rowSchemaFor(spec: WriterTable, operation: WriteOperation): z.ZodType<Record<string, unknown>> {
  // The masks are built from the table's own column lists; zod's mask type wants literal keys.
  const mask = (columns: readonly string[]) => Object.fromEntries(columns.map((c) => [c, true])) as Record<never, true>;
  const keyMask = mask(spec.key);
  switch (operation) {
    case "insert":
      // A column the database generates (identity) is not the caller's to set.
      return spec.row.omit(mask(spec.generated));
    case "upsert":
      return spec.row;
    case "update":
      return spec.row
        .partial()
        .required(keyMask)
        .refine((r) => Object.keys(r).some((c) => !spec.key.includes(c)), { error: `an update must set at least one column besides ${spec.key.join(", ")}` });
    case "delete":
      return spec.row.pick(keyMask).strict();
  }
}

const envelope = z
  .object({
    table: z.enum(WRITER_TABLE_NAMES, { error: `one of ${WRITER_TABLE_NAMES.join(", ")}` }),
    operation: z.enum(WRITE_OPERATIONS, { error: `one of ${WRITE_OPERATIONS.join(", ")}` }),
    rows: z.array(z.unknown()).min(1, { error: "at least one row" }).max(MAX_ROWS_PER_EVENT, { error: `at most ${MAX_ROWS_PER_EVENT} rows` }),
  })
  .strict();

/** A write event: validated as a whole before anything is sent to the database. */
export const writeEventSchema = envelope.transform((event, ctx) => {
  const spec: WriterTable = WRITER_TABLES[event.table];
  if (!spec.operations.includes(event.operation)) {
    ctx.addIssue({ code: "custom", path: ["operation"], message: `${event.table} allows ${spec.operations.join(", ")}`, input: event.operation });
    return z.NEVER;
  }
  const schema = rowSchemaFor(spec, event.operation);
  const rows: Record<string, unknown>[] = [];
  const seenKeys = new Set<string>();
  event.rows.forEach((raw, index) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ["rows", index, ...issue.path] } as z.core.$ZodRawIssue);
      return;
    }
    if (event.operation !== "insert") {
      // One statement cannot touch a row twice (ON CONFLICT DO UPDATE refuses it): say so up front.
      const key = JSON.stringify(spec.key.map((k) => parsed.data[k]));
      if (seenKeys.has(key)) ctx.addIssue({ code: "custom", path: ["rows", index], message: `duplicate ${spec.key.join(", ")} in one event`, input: raw });
      seenKeys.add(key);
    }
    rows.push(parsed.data);
  });
  return { table: event.table, operation: event.operation, rows };
});

export type WriteEvent = z.output<typeof writeEventSchema>;
export type WriteEventInput = z.input<typeof envelope>;

/** Error codes of a failed write; `retryable` tells the caller whether the same event may succeed later. */
export const WRITER_ERROR_CODES = {
  InvalidEvent: { retryable: false },
  ConstraintViolation: { retryable: false },
  AuthenticationFailed: { retryable: false },
  TlsVerificationFailed: { retryable: false },
  PermissionDenied: { retryable: false },
  Timeout: { retryable: true },
  DatabaseUnavailable: { retryable: true },
  InternalError: { retryable: true },
} as const;
export type WriterErrorCode = keyof typeof WRITER_ERROR_CODES;

export const writeResultSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    table: z.enum(WRITER_TABLE_NAMES),
    operation: z.enum(WRITE_OPERATIONS),
    /** Rows inserted, updated or deleted. */
    rowCount: z.number().int().nonnegative(),
    /** The key of every row written (RETURNING the key columns, the only ones the writer may read). */
    keys: z.array(z.record(z.string(), z.unknown())),
  }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: z.enum(Object.keys(WRITER_ERROR_CODES) as [WriterErrorCode, ...WriterErrorCode[]]), message: z.string(), retryable: z.boolean() }),
  }),
]);
export type WriteResult = z.infer<typeof writeResultSchema>;

/** The writer function's environment; the stack sets exactly these names. */
export const auroraWriterEnvSchema = z.object({
  AWS_REGION: z.string().min(1),
  /** The RDS Proxy endpoint: both the host connected to and the host the IAM token is signed for. */
  DB_PROXY_ENDPOINT: z.string().min(1),
  DB_PORT: z.coerce.number().int().min(1).max(65535).default(5432),
  DB_NAME: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
  DB_USER: z.literal(WRITER_DB_USER).default(WRITER_DB_USER),
  /** Client-side query timeout in ms; the role's statement_timeout (10 s) bounds the server side. */
  DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(10000),
});
export type AuroraWriterEnv = z.output<typeof auroraWriterEnvSchema>;
export const AURORA_WRITER_ENV = auroraWriterEnvSchema.keyof().enum;

export const AURORA_WRITER_METRICS = {
  namespace: "Platform/AuroraIam",
  service: "aurora-writer",
  rowsWritten: "RowsWritten",
  writeFailed: "WriteFailed",
  connectionsOpened: "ConnectionsOpened",
} as const;
