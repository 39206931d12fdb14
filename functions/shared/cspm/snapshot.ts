/**
 * Snapshots: the raw AWS API answers an audit read, recorded at the SDK client so that
 * `--from-snapshot` can replay the same audit offline with no AWS access. The format is
 * documented in docs/snapshots.md.
 *
 * Recording and replay wrap a client's `send`, keyed by service, region, operation and the
 * canonical input. Replay answers before credentials are resolved or a request is signed, so no
 * network or credentials are needed; paginators work unchanged because they call `send`.
 */
import { readFile, writeFile } from "node:fs/promises";
import { ValidationError } from "../platform/errors";

export const SNAPSHOT_FORMAT = "cspm-snapshot/1";

export interface SnapshotCall {
  readonly service: string;
  readonly region: string;
  readonly operation: string;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
}

export interface Snapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  /** What was audited: `kms-keys`, `s3-buckets`, ... */
  readonly kind: string;
  readonly createdAt: string;
  readonly calls: readonly SnapshotCall[];
}

/** The part of an SDK v3 client that recording and replay wrap. */
export interface SendingClient {
  send(command: any, ...rest: any[]): Promise<any>;
}

/**
 * The API operation of an SDK v3 command, from the command's own schema (stable under
 * minification, unlike class names).
 */
export function operationOf(command: { schema?: unknown; constructor: { name: string } }): string {
  const schema = command.schema as unknown;
  const name = Array.isArray(schema) ? schema[2] : (schema as { name?: unknown } | undefined)?.name;
  return typeof name === "string" ? name : command.constructor.name.replace(/Command$/, "");
}

function stripMetadata(output: unknown): unknown {
  if (output && typeof output === "object" && "$metadata" in output) {
    const { $metadata: _ignored, ...rest } = output as Record<string, unknown>;
    return rest;
  }
  return output;
}

/** JSON with sorted keys, undefined dropped, dates and bytes tagged: a canonical key for inputs and a lossless file format. */
export function encode(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (value instanceof Date) return { $date: value.toISOString() };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString("base64") };
  if (Array.isArray(value)) return value.map(encode);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = encode(v);
    }
    return out;
  }
  return value;
}

export function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && typeof obj.$date === "string") return new Date(obj.$date);
    if (keys.length === 1 && typeof obj.$bytes === "string") return new Uint8Array(Buffer.from(obj.$bytes, "base64"));
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = decode(obj[key]);
    return out;
  }
  return value;
}

function callKey(service: string, region: string, operation: string, input: unknown): string {
  return JSON.stringify([service, region, operation, encode(input)]);
}

/** Records every call made through the clients it wraps. */
export class SnapshotRecorder {
  private readonly calls: SnapshotCall[] = [];

  constructor(private readonly kind: string) {}

  /** Wraps a client's `send` so every call and its answer (or error) is recorded; returns the same client. */
  record<C extends SendingClient>(client: C, service: string, region: string): C {
    const send = client.send.bind(client);
    client.send = async (command: { input: unknown; schema?: unknown; constructor: { name: string } }, ...rest: unknown[]) => {
      const operation = operationOf(command);
      try {
        const output = await send(command, ...rest);
        this.calls.push({ service, region, operation, input: encode(command.input), output: encode(stripMetadata(output)) });
        return output;
      } catch (error) {
        const e = error as { name?: string; message?: string };
        this.calls.push({ service, region, operation, input: encode(command.input), error: { name: e.name ?? "Error", message: e.message ?? "" } });
        throw error;
      }
    };
    return client;
  }

  snapshot(): Snapshot {
    // Sorted so that the same account state gives the same file whatever the concurrency.
    const calls = [...this.calls].sort((a, b) => {
      const ka = callKey(a.service, a.region, a.operation, a.input);
      const kb = callKey(b.service, b.region, b.operation, b.input);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    return { format: SNAPSHOT_FORMAT, kind: this.kind, createdAt: new Date().toISOString(), calls };
  }

  async save(path: string): Promise<void> {
    await writeFile(path, JSON.stringify(this.snapshot(), null, 2) + "\n", "utf8");
  }
}

/** Answers calls from a snapshot. A call the snapshot does not hold fails with `SnapshotMiss`, never a made-up answer. */
export class SnapshotReplayer {
  private readonly answers = new Map<string, SnapshotCall>();

  constructor(readonly snapshot: Snapshot) {
    for (const call of snapshot.calls) this.answers.set(callKey(call.service, call.region, call.operation, call.input), call);
  }

  static parse(text: string, source = "snapshot"): SnapshotReplayer {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new ValidationError(`${source} is not valid JSON: ${(error as Error).message}`, "InvalidSnapshot");
    }
    const s = data as Partial<Snapshot>;
    if (!s || typeof s !== "object" || s.format !== SNAPSHOT_FORMAT || !Array.isArray(s.calls) || typeof s.kind !== "string") {
      throw new ValidationError(`${source} is not a ${SNAPSHOT_FORMAT} snapshot (see docs/snapshots.md).`, "InvalidSnapshot");
    }
    return new SnapshotReplayer(s as Snapshot);
  }

  static async load(path: string): Promise<SnapshotReplayer> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new ValidationError(`Cannot read snapshot ${path}: ${(error as Error).message}`, "InvalidSnapshot");
    }
    return SnapshotReplayer.parse(text, path);
  }

  /** Replaces a client's `send` with answers from the snapshot; nothing reaches the network. Returns the same client. */
  replay<C extends SendingClient>(client: C, service: string, region: string): C {
    client.send = async (command: { input: unknown; schema?: unknown; constructor: { name: string } }) => {
      const operation = operationOf(command);
      const call = this.answers.get(callKey(service, region, operation, command.input));
      if (!call) {
        throw Object.assign(new Error(`The snapshot holds no answer for ${service}:${operation} in ${region} with this input.`), {
          name: "SnapshotMiss",
          $fault: "client",
        });
      }
      if (call.error) {
        throw Object.assign(new Error(call.error.message), { name: call.error.name, $fault: "client", $metadata: {} });
      }
      return { ...(decode(call.output) as object), $metadata: {} };
    };
    return client;
  }

  /** Regions the snapshot holds calls for, per service. */
  regions(service: string): string[] {
    return [...new Set(this.snapshot.calls.filter((c) => c.service === service).map((c) => c.region))].sort();
  }
}

/** Credentials for clients that only ever replay: they are never used to sign anything. */
export const REPLAY_CREDENTIALS = { accessKeyId: "SNAPSHOT", secretAccessKey: "SNAPSHOT" };
