/**
 * A local Secrets Manager that speaks the service's JSON 1.1 protocol over HTTP, so the real SDK
 * client (pointed here through its `endpoint`) drives it, retries included. It behaves as the
 * service does where emulators have got it wrong:
 * - RotateSecret creates the AWSPENDING version with NO value, then invokes the rotation function
 *   for createSecret, setSecret, testSecret and finishSecret; when a step fails, the whole rotation
 *   runs again with the same token, as the service does;
 * - it refuses to start while AWSPENDING sits on a version that is not AWSCURRENT ("A previous
 *   rotation isn't complete. That rotation will be reattempted.");
 * - a label is on one version at a time: PutSecretValue and UpdateSecretVersionStage move it, and
 *   moving AWSCURRENT puts AWSPREVIOUS on the version it left; UpdateSecretVersionStage refuses to
 *   move a label without naming the version it is on;
 * - RotateSecret with RotateImmediately=false runs only testSecret against a temporary AWSPENDING
 *   version with no value, then removes it;
 * - GetSecretValue of a version without a value is ResourceNotFoundException.
 *
 *   const sm = await startSecretsManager({ invoke: (arn, event) => rotate(event, deps) });
 *   new SecretsManagerClient({ endpoint: sm.endpoint, region: "eu-west-1", credentials: sm.credentials })
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RotationInvocation {
  readonly Step: "createSecret" | "setSecret" | "testSecret" | "finishSecret";
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

interface Version {
  value?: string;
  stages: Set<string>;
  readonly created: Date;
}

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly kmsKeyId?: string;
  readonly created: Date;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  rotationDays?: number;
  lastRotated?: Date;
  lastChanged?: Date;
  readonly versions: Map<string, Version>;
  policy?: string;
}

export interface RotationRecord {
  readonly secretArn: string;
  readonly token: string;
  readonly ok: boolean;
  readonly error?: string;
  /** Every invocation with its outcome, in order. */
  readonly steps: { step: string; ok: boolean; error?: string }[];
}

export interface SecretsManagerStandIn {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** Every request's operation name, in order. */
  readonly calls: string[];
  readonly rotations: RotationRecord[];
  /** Waits until every rotation started so far has finished (succeeded or failed). */
  settled(): Promise<void>;
  /** The service re-attempting a failed rotation (same token), as it does after a failure. */
  reattempt(secretId: string): Promise<RotationRecord>;
  /** How many times the service runs a failing rotation from createSecret again. */
  setRotationAttempts(attempts: number): void;
  /** Answers the next `count` calls of `operation` with a 500 (the SDK retries those). */
  failNext(operation: string, count?: number): void;
  /** Test access to the raw state: versionId → {value, stages}. */
  versions(secretId: string): Record<string, { value?: string; stages: string[] }>;
  stop(): Promise<void>;
}

export interface StandInOptions {
  /** How Secrets Manager invokes the rotation function (the test's real core or handler). */
  readonly invoke?: (functionArn: string, event: RotationInvocation) => Promise<unknown>;
  /** Attempts of the whole rotation before it counts as failed. @default 2 */
  readonly rotationAttempts?: number;
  readonly region?: string;
  readonly accountId?: string;
}

class ServiceError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

const STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;

export async function startSecretsManager(options: StandInOptions = {}): Promise<SecretsManagerStandIn> {
  const region = options.region ?? "eu-west-1";
  const accountId = options.accountId ?? "111111111111";
  const secrets = new Map<string, Secret>();
  const calls: string[] = [];
  const rotations: RotationRecord[] = [];
  const running = new Set<Promise<unknown>>();
  const faults = new Map<string, number>();
  let rotationAttempts = options.rotationAttempts ?? 2;

  const find = (id: unknown): Secret => {
    if (typeof id !== "string") throw new ServiceError("InvalidParameterException", "SecretId is required.");
    const secret = secrets.get(id) ?? [...secrets.values()].find((s) => s.arn === id);
    if (!secret) throw new ServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    return secret;
  };
  const withStage = (secret: Secret, stage: string) => [...secret.versions.entries()].find(([, v]) => v.stages.has(stage))?.[0];
  /** Puts a label on one version, taking it off every other; AWSCURRENT leaves AWSPREVIOUS behind. */
  const attach = (secret: Secret, stage: string, versionId: string) => {
    const from = withStage(secret, stage);
    if (from === versionId) return;
    if (from) secret.versions.get(from)!.stages.delete(stage);
    secret.versions.get(versionId)!.stages.add(stage);
    if (stage === "AWSCURRENT" && from) attach(secret, "AWSPREVIOUS", from);
    // Unlabelled versions are deprecated (kept here; the service prunes them after 24 h).
  };
  const describe = (s: Secret) => ({
    ARN: s.arn,
    Name: s.name,
    KmsKeyId: s.kmsKeyId,
    RotationEnabled: s.rotationEnabled,
    RotationLambdaARN: s.rotationLambdaArn,
    RotationRules: s.rotationDays ? { AutomaticallyAfterDays: s.rotationDays } : undefined,
    LastRotatedDate: s.lastRotated ? s.lastRotated.getTime() / 1000 : undefined,
    LastChangedDate: s.lastChanged ? s.lastChanged.getTime() / 1000 : undefined,
    CreatedDate: s.created.getTime() / 1000,
    NextRotationDate: s.rotationEnabled && s.rotationDays ? ((s.lastRotated ?? s.created).getTime() + s.rotationDays * 86_400_000) / 1000 : undefined,
    VersionIdsToStages: Object.fromEntries([...s.versions.entries()].filter(([, v]) => v.stages.size > 0).map(([id, v]) => [id, [...v.stages]])),
  });

  async function runRotation(secret: Secret, token: string): Promise<RotationRecord> {
    const record: RotationRecord = { secretArn: secret.arn, token, ok: false, steps: [] };
    const invoke = options.invoke;
    try {
      if (!invoke || !secret.rotationLambdaArn) throw new Error("no rotation function");
      // "If any rotation step fails, Secrets Manager retries the entire rotation process": same token, from createSecret.
      for (let attempt = 1; ; attempt += 1) {
        let failure: unknown;
        for (const step of STEPS) {
          try {
            await invoke(secret.rotationLambdaArn, { Step: step, SecretId: secret.arn, ClientRequestToken: token });
            record.steps.push({ step, ok: true });
          } catch (error) {
            record.steps.push({ step, ok: false, error: (error as Error).message });
            failure = error;
            break;
          }
        }
        if (failure === undefined) break;
        if (attempt >= rotationAttempts) throw failure;
      }
      secret.lastRotated = new Date();
      Object.assign(record, { ok: true });
    } catch (error) {
      Object.assign(record, { ok: false, error: (error as Error).message });
    }
    rotations.push(record);
    return record;
  }
  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    void p.finally(() => running.delete(p));
    return p;
  };

  const operations: Record<string, (input: Record<string, any>) => unknown> = {
    CreateSecret(input) {
      const name = String(input.Name ?? "");
      if (!/^[\w/+=.@-]{1,512}$/.test(name)) throw new ServiceError("InvalidParameterException", "Invalid name.");
      if (secrets.has(name)) throw new ServiceError("ResourceExistsException", `The operation failed because the secret ${name} already exists.`);
      const arn = `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${randomBytes(3).toString("hex")}`;
      const secret: Secret = { arn, name, kmsKeyId: input.KmsKeyId, created: new Date(), rotationEnabled: false, versions: new Map() };
      secrets.set(name, secret);
      if (typeof input.SecretString !== "string") return { ARN: arn, Name: name };
      const versionId: string = input.ClientRequestToken ?? randomUUID();
      secret.versions.set(versionId, { value: input.SecretString, stages: new Set(["AWSCURRENT"]), created: new Date() });
      return { ARN: arn, Name: name, VersionId: versionId };
    },
    DescribeSecret: (input) => describe(find(input.SecretId)),
    GetSecretValue(input) {
      const secret = find(input.SecretId);
      const versionId: string | undefined = input.VersionId ?? withStage(secret, input.VersionStage ?? "AWSCURRENT");
      const version = versionId ? secret.versions.get(versionId) : undefined;
      const stageMismatch = input.VersionStage && version && !version.stages.has(input.VersionStage);
      if (!versionId || !version || stageMismatch || version.value === undefined) {
        throw new ServiceError("ResourceNotFoundException", `Secrets Manager can't find the specified secret value for VersionId: ${input.VersionId ?? "(none)"} and staging label: ${input.VersionStage ?? "AWSCURRENT"}`);
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId, SecretString: version.value, VersionStages: [...version.stages], CreatedDate: version.created.getTime() / 1000 };
    },
    PutSecretValue(input) {
      const secret = find(input.SecretId);
      if (typeof input.SecretString !== "string") throw new ServiceError("InvalidParameterException", "You must provide either SecretString or SecretBinary.");
      const token: string = input.ClientRequestToken ?? randomUUID();
      const stages: string[] = input.VersionStages ?? ["AWSCURRENT"];
      const existing = secret.versions.get(token);
      if (existing?.value !== undefined && existing.value !== input.SecretString) {
        throw new ServiceError("ResourceExistsException", "You can't modify an existing version, you can only create a new version.");
      }
      if (existing) existing.value = input.SecretString;
      else secret.versions.set(token, { value: input.SecretString, stages: new Set(), created: new Date() });
      for (const stage of stages) attach(secret, stage, token);
      secret.lastChanged = new Date();
      return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...secret.versions.get(token)!.stages] };
    },
    UpdateSecretVersionStage(input) {
      const secret = find(input.SecretId);
      const stage = String(input.VersionStage ?? "");
      const on = withStage(secret, stage);
      if (input.MoveToVersionId !== undefined && !secret.versions.has(input.MoveToVersionId)) throw new ServiceError("ResourceNotFoundException", `Version ${input.MoveToVersionId} not found.`);
      if (input.RemoveFromVersionId !== undefined && on !== input.RemoveFromVersionId) {
        throw new ServiceError("InvalidParameterException", `The staging label ${stage} is not attached to version ${input.RemoveFromVersionId}.`);
      }
      if (input.MoveToVersionId !== undefined && on !== undefined && on !== input.MoveToVersionId && input.RemoveFromVersionId === undefined) {
        throw new ServiceError("InvalidParameterException", `The staging label ${stage} is currently attached to version ${on}, but you have not specified it as RemoveFromVersionId.`);
      }
      if (input.MoveToVersionId !== undefined) attach(secret, stage, input.MoveToVersionId);
      else if (on) secret.versions.get(on)!.stages.delete(stage);
      secret.lastChanged = new Date();
      return { ARN: secret.arn, Name: secret.name };
    },
    ListSecretVersionIds(input) {
      const secret = find(input.SecretId);
      return {
        ARN: secret.arn,
        Name: secret.name,
        Versions: [...secret.versions.entries()]
          .filter(([, v]) => input.IncludeDeprecated || v.stages.size > 0)
          .map(([id, v]) => ({ VersionId: id, VersionStages: [...v.stages], CreatedDate: v.created.getTime() / 1000 })),
      };
    },
    GetRandomPassword(input) {
      const length = Number(input.PasswordLength ?? 32);
      const exclude = new Set(String(input.ExcludeCharacters ?? ""));
      const classes = ["ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"].map((c) => [...c].filter((ch) => !exclude.has(ch)));
      const all = classes.flat();
      const pick = (set: string[]) => set[randomBytes(2).readUInt16BE(0) % set.length];
      const chars = input.RequireEachIncludedType === false ? [] : classes.filter((c) => c.length > 0).map(pick);
      while (chars.length < length) chars.push(pick(all));
      for (let i = chars.length - 1; i > 0; i -= 1) {
        const j = randomBytes(2).readUInt16BE(0) % (i + 1);
        [chars[i], chars[j]] = [chars[j], chars[i]];
      }
      return { RandomPassword: chars.join("") };
    },
    RotateSecret(input) {
      const secret = find(input.SecretId);
      const pendingOn = withStage(secret, "AWSPENDING");
      if (pendingOn && !secret.versions.get(pendingOn)!.stages.has("AWSCURRENT")) {
        throw new ServiceError("InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted.");
      }
      if (input.RotationLambdaARN) secret.rotationLambdaArn = input.RotationLambdaARN;
      if (input.RotationRules?.AutomaticallyAfterDays) secret.rotationDays = input.RotationRules.AutomaticallyAfterDays;
      if (!secret.rotationLambdaArn) throw new ServiceError("InvalidRequestException", "No Lambda rotation function ARN is associated with this secret.");
      secret.rotationEnabled = true;
      const token: string = input.ClientRequestToken ?? randomUUID();
      // As the service does: an AWSPENDING version with no value exists before createSecret runs.
      secret.versions.set(token, { stages: new Set(), created: new Date() });
      attach(secret, "AWSPENDING", token);
      if (input.RotateImmediately !== false) {
        void track(runRotation(secret, token));
        return { ARN: secret.arn, Name: secret.name, VersionId: token };
      }
      // Not immediately: the service checks the configuration by running only testSecret against a
      // temporary AWSPENDING version, then removes it.
      return (async () => {
        try {
          if (options.invoke) await options.invoke(secret.rotationLambdaArn!, { Step: "testSecret", SecretId: secret.arn, ClientRequestToken: token });
        } catch (error) {
          throw new ServiceError("InvalidRequestException", `The rotation function's testSecret failed: ${(error as Error).message}`);
        } finally {
          secret.versions.delete(token);
        }
        return { ARN: secret.arn, Name: secret.name };
      })();
    },
    PutResourcePolicy(input) {
      const secret = find(input.SecretId);
      secret.policy = input.ResourcePolicy;
      return { ARN: secret.arn, Name: secret.name };
    },
    GetResourcePolicy(input) {
      const secret = find(input.SecretId);
      return { ARN: secret.arn, Name: secret.name, ResourcePolicy: secret.policy };
    },
  };

  function answer(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
    const headers: Record<string, string> = { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() };
    if (errorType) headers["x-amzn-errortype"] = errorType;
    res.writeHead(status, headers).end(JSON.stringify(body));
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const operation = target.startsWith("secretsmanager.") ? target.slice("secretsmanager.".length) : "";
      calls.push(operation);
      if (req.method !== "POST" || !req.headers.authorization?.startsWith("AWS4-HMAC-SHA256")) {
        answer(res, 400, { __type: "MissingAuthenticationTokenException", message: "Requests must be signed (SigV4) POSTs." }, "MissingAuthenticationTokenException");
        return;
      }
      const handler = operations[operation];
      if (!handler) {
        answer(res, 400, { __type: "UnknownOperationException", message: `Unknown operation ${target}` }, "UnknownOperationException");
        return;
      }
      const pendingFaults = faults.get(operation) ?? 0;
      if (pendingFaults > 0) {
        faults.set(operation, pendingFaults - 1);
        answer(res, 500, { __type: "InternalServiceError", message: "Injected service error." }, "InternalServiceError");
        return;
      }
      void (async () => {
        try {
          const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
          answer(res, 200, (await handler(input)) ?? {});
        } catch (error) {
          if (error instanceof ServiceError) answer(res, error.status, { __type: error.type, message: error.message }, error.type);
          else answer(res, 500, { __type: "InternalServiceError", message: (error as Error).message }, "InternalServiceError");
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    credentials: { accessKeyId: "AKIDSTANDIN", secretAccessKey: "stand-in" },
    calls,
    rotations,
    async settled() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
    async reattempt(secretId) {
      const secret = find(secretId);
      const token = withStage(secret, "AWSPENDING");
      if (!token) throw new Error(`No rotation of ${secretId} to reattempt.`);
      return track(runRotation(secret, token));
    },
    setRotationAttempts(attempts) {
      rotationAttempts = attempts;
    },
    failNext(operation, count = 1) {
      faults.set(operation, (faults.get(operation) ?? 0) + count);
    },
    versions(secretId) {
      const secret = find(secretId);
      return Object.fromEntries([...secret.versions.entries()].map(([id, v]) => [id, { value: v.value, stages: [...v.stages] }]));
    },
    async stop() {
      await Promise.allSettled([...running]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
