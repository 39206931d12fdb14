/** IAM policy documents written as data, rendered to JSON. cdktf tokens inside strings resolve at synth. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>>;
}

export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * A role's trust policy for one AWS service. With `accountId`, only that account's resources of the
 * service may assume it (aws:SourceAccount, confused-deputy protection); give it only for services
 * that send the key when assuming roles (Lambda does). Roles cannot be passed across accounts, so
 * without it the role is still this account's alone.
 */
export function serviceTrustPolicy(service: string, accountId?: string): string {
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      ...(accountId ? { Condition: { StringEquals: { "aws:SourceAccount": accountId } } } : {}),
    },
  ]);
}
