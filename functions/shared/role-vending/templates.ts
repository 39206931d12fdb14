/**
 * Tier policy templates: JSON files with mustache-style variables that the stack uploads to a
 * private versioned bucket (`templates/<tier>.json`). The vendor caches each for a few minutes, so a
 * burst of requests reads S3 once per tier and container.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Tier } from "../contracts/role-vending-api";

export const TEMPLATE_KEY = (tier: Tier) => `templates/${tier}.json`;

export interface TemplateSource {
  get(tier: Tier): Promise<string>;
}

export function s3TemplateSource(s3: S3Client, bucket: string, options: { ttlMs?: number; now?: () => number } = {}): TemplateSource {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<Tier, { text: Promise<string>; at: number }>();
  return {
    get(tier) {
      const hit = cache.get(tier);
      if (hit && now() - hit.at < ttlMs) return hit.text;
      const text = (async () => {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: TEMPLATE_KEY(tier) }));
        if (!out.Body) throw new Error(`template ${TEMPLATE_KEY(tier)} in ${bucket} is empty`);
        return out.Body.transformToString("utf-8");
      })();
      // A failed read is not cached: the next request tries again.
      text.catch(() => cache.delete(tier));
      cache.set(tier, { text, at: now() });
      return text;
    },
  };
}
