/**
 * Parsing of the `key_id` callers send (key id, key ARN, alias name, alias ARN) and resolution of
 * the region and account it refers to.
 */
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from "../../contracts/kms-audit-api";
import { ValidationError } from "../../platform/errors";

export type KeyRefForm = "key-id" | "key-arn" | "alias-name" | "alias-arn";

export interface KeyRef {
  /** What the caller sent, passed unchanged to DescribeKey. */
  readonly input: string;
  readonly form: KeyRefForm;
  /** The region the key lives in (from the ARN, the request, or the function's region). */
  readonly region: string;
  /** The account named by the ARN or the request, when either names one. */
  readonly accountId?: string;
  readonly partition?: string;
}

const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/i;
const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;
const ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):kms:([^:]*):([^:]*):(.+)$/;
const REGION = REGION_PATTERN;
const ACCOUNT_ID = ACCOUNT_ID_PATTERN;

function badKey(input: string, why: string): ValidationError {
  const shown = input.length > 80 ? `${input.slice(0, 80)}...` : input;
  return new ValidationError(
    `key_id ${JSON.stringify(shown)} ${why}; send a key id, key ARN, alias name (alias/...) or alias ARN.`,
    "InvalidKeyId",
  );
}

/**
 * Parses `keyId` and resolves its region: the ARN's region wins, but a different `region` in the
 * request is an error; otherwise the request's region, otherwise `defaultRegion`.
 * @throws ValidationError for a malformed id, region or account, or a mismatch.
 */
export function parseKeyRef(keyId: string, options: { region?: string; accountId?: string; defaultRegion: string }): KeyRef {
  const input = keyId.trim();
  if (options.region !== undefined && !REGION.test(options.region)) {
    throw new ValidationError(`region ${JSON.stringify(options.region.slice(0, 40))} is not an AWS region name such as eu-west-1.`, "InvalidRegion");
  }
  if (options.accountId !== undefined && !ACCOUNT_ID.test(options.accountId)) {
    throw new ValidationError("account_id must be a 12-digit AWS account id.", "InvalidAccountId");
  }
  const arn = ARN.exec(input);
  if (arn) {
    const [, partition, region, account, resource] = arn as unknown as [string, string, string, string, string];
    if (!REGION.test(region)) throw badKey(input, "has no valid region");
    if (!ACCOUNT_ID.test(account)) throw badKey(input, "has no valid 12-digit account");
    let form: KeyRefForm;
    if (resource.startsWith("key/") && KEY_ID.test(resource.slice(4))) form = "key-arn";
    else if (ALIAS_NAME.test(resource)) form = "alias-arn";
    else throw badKey(input, "is not a key or alias ARN");
    if (options.region !== undefined && options.region !== region) {
      throw new ValidationError(`key_id is in ${region} but region says ${options.region}; drop region or make them agree.`, "RegionMismatch");
    }
    if (options.accountId !== undefined && options.accountId !== account) {
      throw new ValidationError(`key_id is in account ${account} but account_id says ${options.accountId}; drop account_id or make them agree.`, "AccountMismatch");
    }
    return { input, form, region, accountId: account, partition };
  }
  let form: KeyRefForm;
  if (KEY_ID.test(input)) form = "key-id";
  else if (ALIAS_NAME.test(input)) form = "alias-name";
  else throw badKey(input, "is not recognised");
  const region = options.region ?? options.defaultRegion;
  return options.accountId !== undefined ? { input, form, region, accountId: options.accountId } : { input, form, region };
}

/** The account of a Lambda function from its ARN (`arn:aws:lambda:<region>:<account>:function:<name>`). */
export function accountFromFunctionArn(arn: string | undefined): string | undefined {
  const account = arn?.split(":")[4];
  return account !== undefined && ACCOUNT_ID.test(account) ? account : undefined;
}
