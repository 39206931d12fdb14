/**
 * The JSON a database secret holds (AWS's rotation-template keys: engine, host, port, username,
 * password, dbname, masterarn), shared by the rotation function, the credential manager, the
 * setup command and the tests. Imports only zod.
 */
import { z } from "zod";

export const ENGINES = ["postgres", "clickhouse"] as const;
export type Engine = (typeof ENGINES)[number];

/**
 * `single-user`: the user changes its own password (the only choice for a secret an RDS Proxy maps
 * by username). `alternating-users`: a user and its clone `<user>_clone` take turns, switched by a
 * master secret, so the previous credentials keep working after a rotation.
 */
export const STRATEGIES = ["single-user", "alternating-users"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Suffix of the clone in the alternating-users strategy. */
export const CLONE_SUFFIX = "_clone";

/**
 * Characters generated passwords never contain: quotes, backslash, and characters that need URL or
 * shell care, so SQL quoting stays trivial (the engines still escape everything).
 */
export const PASSWORD_EXCLUDE_CHARACTERS = "'\"\\/@`$%&;:?#[]{}<>|^~,=";
export const PASSWORD_LENGTH = 32;

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$/, { error: "a database user name (letters, digits, _ $ . -; at most 63 characters)" });
const host = z.string().min(1).max(253).regex(/^[A-Za-z0-9.-]+$/, { error: "a host name or IPv4 address" });
const port = z.number().int().min(1).max(65535);
const password = z.string().min(1).max(256);
const secretArn = z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, { error: "a Secrets Manager secret ARN" });

/** `PRIVILEGE:schema.table`, e.g. `INSERT:public.events`: checked by testSecret as the pending user. */
const requiredPrivilege = z.string().regex(/^(SELECT|INSERT|UPDATE|DELETE|TRUNCATE|REFERENCES|TRIGGER):[A-Za-z_][\w$]*\.[A-Za-z_][\w$]*$/, {
  error: "PRIVILEGE:schema.table, e.g. INSERT:public.events",
});

const common = {
  host,
  username: identifier,
  password,
  /** TLS with certificate verification; false only for a local database without TLS. */
  ssl: z.boolean().default(true),
  strategy: z.enum(STRATEGIES).default("single-user"),
  /** The master (admin) secret that alternating-users rotation logs in with. */
  masterarn: secretArn.optional(),
  requiredPrivileges: z.array(requiredPrivilege).max(50).optional(),
};

export const postgresSecretSchema = z
  .object({ engine: z.literal("postgres"), ...common, port: port.default(5432), dbname: z.string().min(1).max(63).default("postgres") })
  .refine((s) => s.strategy !== "alternating-users" || s.masterarn !== undefined, { error: "alternating-users needs masterarn (the admin secret)", path: ["masterarn"] });

export const clickhouseSecretSchema = z
  .object({ engine: z.literal("clickhouse"), ...common, port: port.default(8443), dbname: z.string().min(1).max(63).default("default") })
  .refine((s) => s.strategy === "single-user", { error: "ClickHouse secrets rotate single-user (with dual passwords on 24.9+)", path: ["strategy"] });

export const databaseSecretSchema = z.discriminatedUnion("engine", [postgresSecretSchema, clickhouseSecretSchema]);

export type PostgresSecret = z.output<typeof postgresSecretSchema>;
export type ClickhouseSecret = z.output<typeof clickhouseSecretSchema>;
export type DatabaseSecret = z.output<typeof databaseSecretSchema>;
export type DatabaseSecretInput = z.input<typeof databaseSecretSchema>;

/** The secret name the pipeline's scripts expect: `avesa/<engine>/<env>`. */
export function defaultSecretName(engine: Engine, environment: string): string {
  return `avesa/${engine}/${environment}`;
}

/** The user an alternating-users pair is named after (`app` for both `app` and `app_clone`). */
export function baseUsername(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : username;
}

/** The other user of an alternating-users pair. */
export function alternateUsername(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? baseUsername(username) : `${username}${CLONE_SUFFIX}`;
}

/**
 * Parses a secret string. The error names the field and never echoes the value (which holds the
 * password).
 */
export function parseDatabaseSecret(secretString: string, secretName: string): DatabaseSecret {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new Error(`Secret ${secretName} is not JSON: store {engine, host, port, username, password, ...} with setup-credentials.`);
  }
  const parsed = databaseSecretSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.join(".") || "engine";
  throw new Error(`Secret ${secretName} is malformed: ${field}: ${issue.message}.`);
}
