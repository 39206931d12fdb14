import { expect } from "chai";
import { kmsKeyCrossAccountAccess } from "../../../../../../functions/shared/cspm/kms/checks/kms-key-cross-account-access";
import { kmsKeyNoWildcardKmsActions } from "../../../../../../functions/shared/cspm/kms/checks/kms-key-no-wildcard-kms-actions";
import { kmsKeyPolicyNotPublic } from "../../../../../../functions/shared/cspm/kms/checks/kms-key-policy-not-public";
import { ACCOUNT, facts, failed, ok, policyOf, ROOT_STATEMENT } from "../../../../kms-auditor/fixtures";

const OTHER = "222222222222";
const withPolicy = (...statements: object[]) => facts({ policy: ok(policyOf(ROOT_STATEMENT, ...statements)) });

describe("kms_key_policy_not_public (KMS.5)", () => {
  it("passes the default key policy", () => {
    expect(kmsKeyPolicyNotPublic.evaluate(withPolicy()).status).to.equal("PASSED");
  });

  it("fails an unconditional Allow to *, {AWS:*} or arn:aws:iam::*:root, citing the statement", () => {
    for (const Principal of ["*", { AWS: "*" }, { AWS: "arn:aws:iam::*:root" }]) {
      const r = kmsKeyPolicyNotPublic.evaluate(withPolicy({ Sid: "Everyone", Effect: "Allow", Principal, Action: "kms:Decrypt", Resource: "*" }));
      expect(r.status, JSON.stringify(Principal)).to.equal("FAILED");
      expect(r.reason).to.contain('"Everyone" (#1)').and.contain("kms:Decrypt");
    }
  });

  it("passes an Allow to * pinned by kms:CallerAccount and kms:ViaService (the AWS-managed key pattern)", () => {
    const r = kmsKeyPolicyNotPublic.evaluate(withPolicy({ Effect: "Allow", Principal: { AWS: "*" }, Action: ["kms:Encrypt", "kms:Decrypt"], Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } }));
    expect(r.status).to.equal("PASSED");
  });

  it("fails when the only pin is IfExists or a wildcard", () => {
    const ifExists = withPolicy({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Condition: { StringEqualsIfExists: { "aws:PrincipalOrgID": "o-1" } } });
    const wildcard = withPolicy({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Condition: { StringLike: { "aws:PrincipalAccount": "*" } } });
    expect(kmsKeyPolicyNotPublic.evaluate(ifExists).status).to.equal("FAILED");
    expect(kmsKeyPolicyNotPublic.evaluate(wildcard).status).to.equal("FAILED");
  });

  it("honours Deny: fully denied is PASSED, guarded by a Deny outside the org is PASSED and says so", () => {
    const open = { Sid: "Open", Effect: "Allow", Principal: "*", Action: "kms:Decrypt" };
    const denied = kmsKeyPolicyNotPublic.evaluate(withPolicy(open, { Effect: "Deny", Principal: "*", Action: "kms:*" }));
    const guarded = kmsKeyPolicyNotPublic.evaluate(withPolicy(open, { Sid: "OrgOnly", Effect: "Deny", Principal: "*", Action: "kms:*", Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-1" } } }));
    const tlsOnly = kmsKeyPolicyNotPublic.evaluate(withPolicy(open, { Effect: "Deny", Principal: "*", Action: "kms:*", Condition: { Bool: { "aws:SecureTransport": false } } }));
    expect(denied.status).to.equal("PASSED");
    expect(guarded.status).to.equal("PASSED");
    expect(guarded.reason).to.contain('"OrgOnly"');
    expect(tlsOnly.status).to.equal("FAILED");
  });

  it("is NOT_AVAILABLE when the policy could not be read or parsed", () => {
    expect(kmsKeyPolicyNotPublic.evaluate(facts({ policy: failed("AccessDeniedException") }))).to.include({ status: "NOT_AVAILABLE", errorCode: "AccessDeniedException" });
    expect(kmsKeyPolicyNotPublic.evaluate(facts({ policy: ok("{not json") }))).to.include({ status: "NOT_AVAILABLE", errorCode: "MalformedPolicy" });
  });
});

describe("kms_key_cross_account_access", () => {
  const partner = { Sid: "Partner", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: "*" };

  it("passes a policy with no other account", () => {
    expect(kmsKeyCrossAccountAccess.evaluate(withPolicy()).status).to.equal("PASSED");
  });

  it("fails with the accounts and actions granted", () => {
    const r = kmsKeyCrossAccountAccess.evaluate(withPolicy(partner));
    expect(r.status).to.equal("FAILED");
    expect(r.severity).to.equal(undefined);
    expect(r.reason).to.contain(`${OTHER} (Decrypt, DescribeKey)`);
    expect(r.details).to.deep.include({ accounts: [{ accountId: OTHER, actions: ["kms:Decrypt", "kms:DescribeKey"], principals: [`arn:aws:iam::${OTHER}:root`], statements: [{ index: 1, sid: "Partner" }], conditional: false, trusted: false }] });
  });

  it("raises severity to HIGH when another account can administer the key", () => {
    const r = kmsKeyCrossAccountAccess.evaluate(withPolicy({ ...partner, Action: ["kms:PutKeyPolicy"] }));
    expect(r).to.include({ status: "FAILED", severity: "HIGH" });
  });

  it("passes when every account is declared trusted", () => {
    expect(kmsKeyCrossAccountAccess.evaluate(facts({ policy: ok(policyOf(ROOT_STATEMENT, partner)), trustedAccounts: [OTHER] })).status).to.equal("PASSED");
  });
});

describe("kms_key_no_wildcard_kms_actions", () => {
  it("passes kms:* granted only to the account root", () => {
    expect(kmsKeyNoWildcardKmsActions.evaluate(withPolicy()).status).to.equal("PASSED");
  });

  it("fails kms:* or * granted to a role, a service or another account", () => {
    for (const [Principal, Action] of [[{ AWS: `arn:aws:iam::${ACCOUNT}:role/admin` }, "kms:*"], [{ Service: "logs.amazonaws.com" }, "*"], [{ AWS: OTHER }, "kms:*"]] as const) {
      const r = kmsKeyNoWildcardKmsActions.evaluate(withPolicy({ Effect: "Allow", Principal, Action }));
      expect(r.status, JSON.stringify(Principal)).to.equal("FAILED");
    }
  });

  it("is NOT_AVAILABLE on a throttled GetKeyPolicy", () => {
    expect(kmsKeyNoWildcardKmsActions.evaluate(facts({ policy: failed("ThrottlingException") }))).to.include({ status: "NOT_AVAILABLE", errorCode: "ThrottlingException" });
  });
});
