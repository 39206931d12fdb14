import { Construct } from "constructs";
import { IamGroup } from "@cdktf/provider-aws/lib/iam-group";
import { IamGroupPolicyAttachment } from "@cdktf/provider-aws/lib/iam-group-policy-attachment";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamUserGroupMembership } from "@cdktf/provider-aws/lib/iam-user-group-membership";
import { agentInvokePolicyName, agentUsersGroupName } from "../../functions/shared/contracts/redshift-agent";
import { policyDocument } from "../constructs/policy-document";

export interface AgentAccessProps {
  readonly environment: string;
  /** The function's ARN: the policy allows invoking it and its aliases and versions, nothing else. */
  readonly functionArn: string;
  readonly functionName: string;
  /** IAM users to join to the group (they must exist). */
  readonly users: readonly string[];
}

/**
 * Who may invoke the agent: a managed policy allowing lambda:InvokeFunction on the function (and
 * its aliases) only, a group with it attached, and the settings' users joined to the group. The
 * membership resource is non-exclusive (aws_iam_user_group_membership, one per user), so users
 * added with `redshift-agent access add` survive an apply. No access key is ever created here:
 * Terraform state would hold its secret (keys are made with `redshift-agent access rotate-key`).
 */
export class AgentAccess extends Construct {
  readonly policy: IamPolicy;
  readonly group: IamGroup;

  constructor(scope: Construct, id: string, props: AgentAccessProps) {
    super(scope, id);
    this.policy = new IamPolicy(this, "invoke-policy", {
      name: agentInvokePolicyName(props.environment),
      description: `Invoke ${props.functionName} (and its aliases) directly; nothing else`,
      policy: policyDocument([{ Sid: "InvokeRedshiftAgent", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [props.functionArn, `${props.functionArn}:*`] }]),
    });
    this.group = new IamGroup(this, "users", { name: agentUsersGroupName(props.environment) });
    new IamGroupPolicyAttachment(this, "users-invoke", { group: this.group.name, policyArn: this.policy.arn });
    for (const user of [...new Set(props.users)].sort()) {
      new IamUserGroupMembership(this, `member-${user}`, { user, groups: [this.group.name] });
    }
  }
}
