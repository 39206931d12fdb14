/**
 * The rotation function's interface: the event Secrets Manager invokes it with (four times per
 * rotation), its environment and its metrics. Imports only zod.
 */
import { z } from "zod";

export const ROTATION_STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export const rotationEventSchema = z.object({
  Step: z.enum(ROTATION_STEPS),
  SecretId: z.string().min(1).max(2048),
  ClientRequestToken: z.string().min(32).max(64),
  /** Sent by Secrets Manager for rotation functions in other accounts; unused here. */
  RotationToken: z.string().optional(),
});
export type RotationEvent = z.infer<typeof rotationEventSchema>;

export const rotationEnvSchema = z.object({
  AWS_REGION: z.string().min(1),
  /** Secrets Manager endpoint override (an interface endpoint's DNS name, or a local stand-in in tests). */
  SECRETS_MANAGER_ENDPOINT: z.url().optional(),
});

/** Version stages Secrets Manager uses. */
export const STAGE = { current: "AWSCURRENT", pending: "AWSPENDING", previous: "AWSPREVIOUS" } as const;

export const ROTATION_METRICS = { namespace: "Credentials", service: "secret-rotation", stepFailed: "RotationStepFailed", stepSucceeded: "RotationStepSucceeded" } as const;
