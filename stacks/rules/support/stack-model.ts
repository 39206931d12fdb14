/**
 * One synthesized stack as data: its resources and data sources (type, name, construct path and
 * configuration as Terraform JSON) and the references between them (`${aws_kms_key.x.arn}`), so a
 * rule can judge a bucket with its separate encryption, versioning and policy resources.
 */

export interface TfResource {
  readonly type: string;
  readonly name: string;
  /** `type.name`, or `data.type.name` for a data source: what references and depends_on use. */
  readonly address: string;
  /** Construct path, e.g. `cspm-dev/kms-audit-api/stage` (the logical name when the metadata is missing). */
  readonly path: string;
  readonly config: Readonly<Record<string, any>>;
  readonly isData: boolean;
}

/** The parts of cdktf's synthesized JSON the rules read. */
export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, any>>>;
  readonly data?: Record<string, Record<string, Record<string, any>>>;
  readonly provider?: Record<string, any>;
}

export interface StackContext {
  /** The account the stack deploys to (grants to it are not cross-account). Defaults to the provider's allowed_account_ids. */
  readonly accountId?: string;
  /** The region the stack deploys to. Defaults to the provider's region. */
  readonly region?: string;
  /** When rules that depend on dates (runtime deprecation) judge. @default now */
  readonly now?: Date;
}

function list(json: TerraformJson["resource"], isData: boolean, stack: string): TfResource[] {
  const out: TfResource[] = [];
  for (const [type, byName] of Object.entries(json ?? {})) {
    for (const [name, config] of Object.entries(byName)) {
      const path = (config["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path ?? `${stack}/${name}`;
      out.push({ type, name, address: `${isData ? "data." : ""}${type}.${name}`, path, config, isData });
    }
  }
  return out;
}

export class StackModel {
  readonly resources: readonly TfResource[];
  readonly dataSources: readonly TfResource[];
  readonly accountId?: string;
  readonly region?: string;
  readonly now: Date;
  private readonly byAddress = new Map<string, TfResource>();
  private readonly byType = new Map<string, TfResource[]>();
  private readonly text = new Map<TfResource, string>();

  constructor(
    readonly stack: string,
    json: TerraformJson,
    context: StackContext = {},
  ) {
    this.resources = list(json.resource, false, stack);
    this.dataSources = list(json.data, true, stack);
    for (const r of [...this.resources, ...this.dataSources]) {
      this.byAddress.set(r.address, r);
      if (!r.isData) this.byType.set(r.type, [...(this.byType.get(r.type) ?? []), r]);
    }
    const aws = [json.provider?.aws].flat()[0] as { allowed_account_ids?: string[]; region?: string } | undefined;
    this.accountId = context.accountId ?? aws?.allowed_account_ids?.[0];
    this.region = context.region ?? aws?.region;
    this.now = context.now ?? new Date();
  }

  /** Managed resources of one type. */
  ofType(type: string): readonly TfResource[] {
    return this.byType.get(type) ?? [];
  }

  /** The resource or data source a value refers to when the value is one reference (`${aws_kms_key.k.arn}`). */
  resolve(value: unknown): TfResource | undefined {
    if (typeof value !== "string") return undefined;
    const m = /^\$\{((?:data\.)?[a-z0-9_]+\.[^.}\s]+)(?:\.[^}\s]*)?\}$/.exec(value.trim());
    return m ? this.byAddress.get(m[1]!) : undefined;
  }

  /** Whether `value` (anywhere inside it) refers to `target`. */
  mentions(value: unknown, target: TfResource): boolean {
    const json = typeof value === "string" ? value : JSON.stringify(value ?? null);
    return json.includes(`\${${target.address}.`) || json.includes(`\${${target.address}}`);
  }

  /** Resources of `type` whose `attribute` (or whole configuration when omitted) refers to `target`. */
  referrers(target: TfResource, type: string, attribute?: string): TfResource[] {
    return this.ofType(type).filter((r) => (attribute ? this.mentions(r.config[attribute], target) : this.mentionsAnywhere(r, target)));
  }

  /** Whether `resource` lists `target` in depends_on. */
  dependsOn(resource: TfResource, target: TfResource): boolean {
    return ((resource.config.depends_on as string[] | undefined) ?? []).includes(target.address);
  }

  private mentionsAnywhere(r: TfResource, target: TfResource): boolean {
    let json = this.text.get(r);
    if (json === undefined) this.text.set(r, (json = JSON.stringify(r.config)));
    return json.includes(`\${${target.address}.`) || json.includes(`\${${target.address}}`);
  }
}

/** A Terraform block that may be written as one object or a list of them, as a list. */
export function blocks(value: unknown): Record<string, any>[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is Record<string, any> => typeof v === "object" && v !== null);
}

/** The first block of a possibly-list attribute, or undefined. */
export function block(value: unknown): Record<string, any> | undefined {
  return blocks(value)[0];
}

/** True for `true` and `"true"` (Terraform JSON may carry either). */
export function isTrue(value: unknown): boolean {
  return value === true || value === "true";
}
