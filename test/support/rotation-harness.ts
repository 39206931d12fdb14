/**
 * The rotation function's real core wired to the Secrets Manager stand-in (through the real SDK
 * client) and real database engines, with switchable faults for the failure tests, the end-to-end
 * test and the bench.
 */
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { DatabaseSecret, DatabaseSecretInput } from "../../functions/shared/contracts/database-secret";
import { rotationEventSchema, type RotationStep } from "../../functions/shared/contracts/secret-rotation";
import { engineFactory, type EngineOptions } from "../../functions/shared/credentials/engines/engine-for";
import type { DatabaseEngine } from "../../functions/shared/credentials/engines/engine";
import { secretStore, type SecretStore } from "../../functions/shared/credentials/secrets-manager";
import { rotate, type RotationLogger } from "../../functions/secret-rotation/rotate";
import { startSecretsManager, type SecretsManagerStandIn } from "./secrets-manager-server";

export const ROTATION_FUNCTION_ARN = "arn:aws:lambda:eu-west-1:111111111111:function:csp-dev-credentials-secret-rotation";

export interface Harness {
  readonly sm: SecretsManagerStandIn;
  readonly client: SecretsManagerClient;
  readonly store: SecretStore;
  readonly engineFor: (secret: DatabaseSecret) => DatabaseEngine;
  /** Every log line the rotation core wrote, as JSON. */
  readonly logs: string[];
  /** step → how many more invocations of it fail inside the step (before its effect). */
  readonly faults: Map<RotationStep, number>;
  /** step → how many more invocations of it fail after doing their work (a timeout). */
  readonly faultsAfter: Map<RotationStep, number>;
  createSecret(name: string, value?: DatabaseSecretInput): Promise<string>;
  /** RotateSecret with the rotation function set (as the rotation resource does), then wait for it. */
  rotate(secretId: string): Promise<void>;
  stop(): Promise<void>;
}

function take(faults: Map<RotationStep, number>, step: RotationStep): boolean {
  const left = faults.get(step) ?? 0;
  if (left <= 0) return false;
  faults.set(step, left - 1);
  return true;
}

export async function startRotationHarness(options: { engines?: EngineOptions; rotationAttempts?: number } = {}): Promise<Harness> {
  const logs: string[] = [];
  const faults = new Map<RotationStep, number>();
  const faultsAfter = new Map<RotationStep, number>();
  const logger: RotationLogger = {
    info: (message, extra) => void logs.push(JSON.stringify({ level: "INFO", message, ...extra })),
    warn: (message, extra) => void logs.push(JSON.stringify({ level: "WARN", message, ...extra })),
  };
  const realEngineFor = engineFactory(options.engines);
  let client: SecretsManagerClient | undefined;
  let store: SecretStore | undefined;
  const injected = (step: RotationStep) => {
    if (take(faults, step)) throw new Error(`injected failure in ${step}`);
  };
  const engineFor = (secret: DatabaseSecret): DatabaseEngine => {
    const engine = realEngineFor(secret);
    return {
      canLogin: (s) => engine.canLogin(s),
      setPassword: async (...args) => {
        injected("setSecret");
        return engine.setPassword(...args);
      },
      test: async (...args) => {
        injected("testSecret");
        return engine.test(...args);
      },
    };
  };
  const sm = await startSecretsManager({
    rotationAttempts: options.rotationAttempts ?? 2,
    invoke: async (_arn, event) => {
      const parsed = rotationEventSchema.parse(event);
      const secrets: SecretStore = {
        ...store!,
        putPending: async (...args) => {
          injected("createSecret");
          return store!.putPending(...args);
        },
        moveStage: async (...args) => {
          injected("finishSecret");
          return store!.moveStage(...args);
        },
      };
      const result = await rotate(parsed, { secrets, engineFor, logger });
      if (take(faultsAfter, parsed.Step)) throw new Error(`injected timeout after ${parsed.Step}`);
      return result;
    },
  });
  client = new SecretsManagerClient({ endpoint: sm.endpoint, region: sm.region, credentials: sm.credentials, maxAttempts: 3, retryMode: "standard" });
  store = secretStore(client);
  return {
    sm,
    client,
    store,
    engineFor: realEngineFor,
    logs,
    faults,
    faultsAfter,
    async createSecret(name, value) {
      const out = await client!.send(new CreateSecretCommand({ Name: name, SecretString: value ? JSON.stringify(value) : undefined, KmsKeyId: "alias/csp-dev-credentials" }));
      return out.ARN!;
    },
    async rotate(secretId) {
      await client!.send(new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: ROTATION_FUNCTION_ARN, RotationRules: { AutomaticallyAfterDays: 90 } }));
      await sm.settled();
    },
    async stop() {
      client!.destroy();
      await sm.stop();
    },
  };
}
