/**
 * The manual rotation trigger: an SNS message naming a secret → RotateSecret, only for the secrets
 * the credentials stack manages. Imports only zod.
 */
import { z } from "zod";

/**
 * The SNS message body: `{"secretId": "<name or ARN>"}` or just the name or ARN as plain text.
 */
export const triggerMessageSchema = z.union([
  z.object({ secretId: z.string().min(1).max(2048) }).strict(),
  z.string().regex(/^[\w/+=.@:-]{1,2048}$/).transform((secretId) => ({ secretId })),
]);
export type TriggerMessage = z.output<typeof triggerMessageSchema>;

export const snsEventSchema = z.object({
  Records: z
    .array(z.object({ EventSource: z.literal("aws:sns"), Sns: z.object({ Message: z.string(), TopicArn: z.string(), MessageId: z.string() }) }))
    .min(1),
});
export type SnsEvent = z.infer<typeof snsEventSchema>;

export interface TriggerOutcome {
  readonly messageId: string;
  readonly secretId: string;
  readonly status: "rotation-started" | "refused" | "failed";
  readonly detail: string;
}
