/**
 * One way to build AWS SDK v3 clients: per region, created once per container, with the retry
 * policy set here and nowhere else (the SDK's standard retry strategy, a stated number of
 * attempts). Callers never stack their own backoff loop on top of the SDK's retries.
 */
import { ValidationError } from "./errors";

/** Attempts per call, including the first, for every client built here (SDK standard retry mode). */
export const AWS_MAX_ATTEMPTS = 3;

/** The client options every platform client gets. */
export const AWS_CLIENT_DEFAULTS = { maxAttempts: AWS_MAX_ATTEMPTS, retryMode: "standard" } as const;

/** Regions an AWS partition uses: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-7`. */
export const AWS_REGION_PATTERN = /^(?:us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov|us-iso|us-isob)-[a-z]+-\d{1,2}$/;

export interface ClientCacheOptions {
  /** Regions the cache accepts; anything else is a ValidationError (so a caller cannot grow memory without bound). */
  readonly allowedRegions?: readonly string[];
  /** The most clients kept at once (oldest dropped first). @default 32 */
  readonly maxClients?: number;
}

/**
 * A per-region client factory: `clients(region)` returns the one client for that region. Bounded:
 * at most `maxClients` are kept, and with `allowedRegions` any other region is refused.
 */
export function regionalClients<C extends { destroy?: () => void }>(
  make: (config: { region: string; maxAttempts: number; retryMode: "standard" }) => C,
  options: ClientCacheOptions = {},
): (region: string) => C {
  const clients = new Map<string, C>();
  const maxClients = options.maxClients ?? 32;
  const allowed = options.allowedRegions ? new Set(options.allowedRegions) : undefined;
  return (region) => {
    if (!AWS_REGION_PATTERN.test(region)) throw new ValidationError(`"${region.slice(0, 40)}" is not an AWS region name such as eu-west-1.`, "InvalidRegion");
    if (allowed && !allowed.has(region)) throw new ValidationError(`Region ${region} is not one this platform audits; allowed: ${[...allowed].join(", ")}.`, "RegionNotAllowed");
    let client = clients.get(region);
    if (client) {
      // Refresh recency so the least recently used client is the one dropped.
      clients.delete(region);
      clients.set(region, client);
      return client;
    }
    client = make({ region, ...AWS_CLIENT_DEFAULTS });
    clients.set(region, client);
    if (clients.size > maxClients) {
      const [oldestRegion, oldest] = clients.entries().next().value as [string, C];
      clients.delete(oldestRegion);
      oldest.destroy?.();
    }
    return client;
  };
}

/** One client for one region with the platform's retry policy. */
export function awsClient<C>(make: (config: { region: string; maxAttempts: number; retryMode: "standard" }) => C, region: string): C {
  return make({ region, ...AWS_CLIENT_DEFAULTS });
}
