/**
 * The deterministic reading of free text: which intent (verbs), which cluster (its identifier) and
 * which region (a region code or a place name). Pure; the same text always gives the same answer.
 */
import { CLUSTER_ID_PATTERN, REGION_PATTERN, type ActionRequest } from "../shared/contracts/redshift-agent";

export type ParsedIntent =
  | { readonly kind: "action"; readonly request: ActionRequest }
  /** The intent is clear but it needs a cluster the text does not name. */
  | { readonly kind: "incomplete"; readonly action: "extract_config" | "assess_migration"; readonly region?: string }
  | { readonly kind: "unknown" };

/** Place names people use for regions (the console's names), lower case. */
const REGION_NAMES: ReadonlyArray<readonly [RegExp, string]> = [
  [/(?<!west )\b(?:n(?:orth(?:ern)?)?\.? ?)?virginia\b/, "us-east-1"], // the only Virginia region
  [/\bohio\b/, "us-east-2"],
  [/\bn(?:orth(?:ern)?)?\.? ?california\b/, "us-west-1"],
  [/\boregon\b/, "us-west-2"],
  [/\b(?:canada|montr[eé]al)\b/, "ca-central-1"],
  [/\bs[aã]o paulo\b/, "sa-east-1"],
  [/\bireland\b|\bdublin\b/, "eu-west-1"],
  [/\blondon\b/, "eu-west-2"],
  [/\bparis\b/, "eu-west-3"],
  [/\bfrankfurt\b/, "eu-central-1"],
  [/\bzurich\b|\bzürich\b/, "eu-central-2"],
  [/\bstockholm\b/, "eu-north-1"],
  [/\bmilan\b/, "eu-south-1"],
  [/\bspain\b|\bmadrid\b/, "eu-south-2"],
  [/\btokyo\b/, "ap-northeast-1"],
  [/\bseoul\b/, "ap-northeast-2"],
  [/\bosaka\b/, "ap-northeast-3"],
  [/\bsingapore\b/, "ap-southeast-1"],
  [/\bsydney\b/, "ap-southeast-2"],
  [/\bjakarta\b/, "ap-southeast-3"],
  [/\bmumbai\b/, "ap-south-1"],
  [/\bhong kong\b/, "ap-east-1"],
  [/\bbahrain\b/, "me-south-1"],
  [/\buae\b|\bdubai\b/, "me-central-1"],
  [/\bcape town\b/, "af-south-1"],
];

/** A region code standing alone: never the tail of a hyphenated word such as the cluster id "dw-eu-west-1". */
const REGION_CODE = /(?<![a-z0-9-])((?:us-gov|us|eu|ap|sa|ca|me|af|il|mx|cn)-[a-z]+-\d{1,2})(?![a-z0-9-])/;

const ASSESS = /\b(assess\w*|readiness|ready|migrat\w*|serverless|rpus?|convert\w*|move\w*)\b/;
const EXTRACT = /\b(config\w*|extract\w*|describe|details?|settings?|parameters?|setup|wlm|properties)\b/;
const LIST = /\b(list\w*|show|which|what|enumerate|find|all|any|how many|my)\b/;
const CLUSTER = /\bclusters?\b/;
const HELP = /\b(help|usage|examples?|what can you do|how do i|commands?)\b/;

/** Words that stand next to "cluster" but never name one. */
const NOT_IDS = new Set([
  "a", "an", "the", "my", "our", "your", "this", "that", "each", "every", "all", "any", "some", "which", "what", "one",
  "redshift", "provisioned", "serverless", "cluster", "clusters", "in", "on", "of", "for", "to", "from", "into", "with",
  "called", "named", "id", "identifier", "is", "are", "config", "configuration", "settings", "details", "please", "me",
  "list", "show", "describe", "extract", "assess", "migrate", "migration", "and", "or", "readiness", "ready", "help", "region",
]);

function normalise(text: string): string {
  return text.toLowerCase().replace(/[\u2018\u2019\u201c\u201d]/g, '"').replace(/\s+/g, " ").trim();
}

export function findRegion(text: string): string | undefined {
  const lower = normalise(text);
  const code = REGION_CODE.exec(lower)?.[1];
  if (code && REGION_PATTERN.test(code)) return code;
  return REGION_NAMES.find(([pattern]) => pattern.test(lower))?.[1];
}

function isClusterId(word: string): boolean {
  return CLUSTER_ID_PATTERN.test(word) && !word.endsWith("-") && !NOT_IDS.has(word) && !REGION_CODE.test(word);
}

export function findClusterId(text: string): string | undefined {
  const lower = normalise(text);
  const candidates: string[] = [];
  // Quoted: "prod-dw", 'prod-dw', `prod-dw`.
  for (const match of lower.matchAll(/["'`]([a-z][a-z0-9-]{0,62})["'`]/g)) candidates.push(match[1]);
  // "cluster prod-dw", "cluster id: prod-dw", "cluster named prod-dw".
  for (const match of lower.matchAll(/\bcluster(?:\s+(?:id|identifier|named|called))?\s*[:=]?\s+([a-z][a-z0-9-]*)/g)) candidates.push(match[1]);
  // "the prod-dw cluster".
  for (const match of lower.matchAll(/\b([a-z][a-z0-9-]*)\s+cluster\b/g)) candidates.push(match[1]);
  // "config of prod-dw", "assess analytics-1 for serverless": only words that look like identifiers (a digit or a hyphen).
  for (const match of lower.matchAll(/\b(?:of|for|assess|migrate|describe|extract)\s+([a-z][a-z0-9-]*)/g)) {
    if (/[0-9-]/.test(match[1])) candidates.push(match[1]);
  }
  // Last resort: any hyphenated identifier ("is analytics-1 ready?"); region codes are excluded below.
  for (const match of lower.matchAll(/(?:^|[^a-z0-9.-])([a-z][a-z0-9]*(?:-[a-z0-9]+)+)(?=$|[^a-z0-9.-])/g)) candidates.push(match[1]);
  return candidates.find(isClusterId);
}

/**
 * Reads one message. With a named cluster: assessing wins over extracting ("migration readiness of
 * the config of X"). Without one: "clusters" lists, an assessment or extraction asks which cluster,
 * and help is the fallback.
 */
export function parseIntent(message: string): ParsedIntent {
  const text = normalise(message);
  const region = findRegion(text);
  const clusterId = findClusterId(text);
  const withRegion = region ? { region } : {};

  if (clusterId) {
    if (ASSESS.test(text)) return { kind: "action", request: { action: "assess_migration", cluster_id: clusterId, ...withRegion } };
    if (EXTRACT.test(text) || CLUSTER.test(text)) return { kind: "action", request: { action: "extract_config", cluster_id: clusterId, ...withRegion } };
  }
  if (/\bclusters\b/.test(text) || (CLUSTER.test(text) && LIST.test(text) && !ASSESS.test(text))) {
    return { kind: "action", request: { action: "list_clusters", ...withRegion } };
  }
  if (ASSESS.test(text)) return { kind: "incomplete", action: "assess_migration", ...withRegion };
  if (EXTRACT.test(text) && !HELP.test(text)) return { kind: "incomplete", action: "extract_config", ...withRegion };
  if (HELP.test(text)) return { kind: "action", request: { action: "help" } };
  return { kind: "unknown" };
}
