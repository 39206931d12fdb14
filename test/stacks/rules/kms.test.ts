import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import rotation from "../../../stacks/rules/kms-key-rotation-enabled";
import notPublic from "../../../stacks/rules/kms-key-policy-not-public";
import servicesPinned from "../../../stacks/rules/kms-key-service-principals-pinned";
import { ACCOUNT, expectStatus, judge, stackKey } from "./support";

const keyWithPolicy = (statements: object[]) => (scope: Parameters<Parameters<typeof judge>[1]>[0]) =>
  new KmsKey(scope, "k", { enableKeyRotation: true, policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) });
const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };

describe("KMS rules", () => {
  it("kms-key-rotation-enabled: SecureKmsKey rotates; a key without rotation fails; asymmetric keys are not applicable", () => {
    expectStatus(judge(rotation, (s) => stackKey(s)), "key/this", "compliant");
    expectStatus(judge(rotation, (s) => new KmsKey(s, "k", {})), "k", "non-compliant", "enable_key_rotation");
    expectStatus(judge(rotation, (s) => new KmsKey(s, "k", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" })), "k", "not-applicable");
  });

  it("kms-key-policy-not-public: the stack key complies; a public or unconditioned cross-account statement fails; a pinned one passes", () => {
    expectStatus(judge(notPublic, (s) => stackKey(s)), "key/this", "compliant");
    expectStatus(judge(notPublic, keyWithPolicy([root, { Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" }])), "k", "non-compliant", "public grant");
    expectStatus(judge(notPublic, keyWithPolicy([root, { Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "kms:Decrypt", Resource: "*" }])), "k", "non-compliant", "999999999999");
    const pinned = { Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } };
    expectStatus(judge(notPublic, keyWithPolicy([root, pinned])), "k", "compliant");
  });

  it("kms-key-service-principals-pinned: services pinned by SourceAccount/SourceArn or the logs encryption context pass; EventBridge needs none; an unpinned service fails", () => {
    const pinned = judge(servicesPinned, (s) => {
      const key = stackKey(s);
      key.allowService("cloudwatch.amazonaws.com", undefined, { sourceArn: `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*` });
      key.allowCloudWatchLogs("/aws/lambda/fn");
      key.allowService("events.amazonaws.com", undefined, { unpinnedBecause: "EventBridge sends no source keys to KMS" });
    });
    expectStatus(pinned, "key/this", "compliant");
    const loose = judge(servicesPinned, keyWithPolicy([root, { Sid: "Sns", Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "kms:Decrypt", Resource: "*" }]));
    expectStatus(loose, "k", "non-compliant", "Sns (sns.amazonaws.com)");
  });
});
