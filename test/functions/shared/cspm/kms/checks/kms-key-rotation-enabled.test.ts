import { expect } from "chai";
import { kmsKeyRotationEnabled } from "../../../../../../functions/shared/cspm/kms/checks/kms-key-rotation-enabled";
import { facts, failed, KEY_ARN, keyMetadata, ok, PRIMARY_ARN, replicaMetadata } from "../../../../kms-auditor/fixtures";

describe("kms_key_rotation_enabled (KMS.4)", () => {
  it("passes a customer-managed symmetric key with rotation on, with its period", () => {
    const r = kmsKeyRotationEnabled.evaluate(facts({ rotation: ok({ enabled: true, periodInDays: 180, keyArn: KEY_ARN }) }));
    expect(r.status).to.equal("PASSED");
    expect(r.details).to.deep.include({ rotationPeriodInDays: 180 });
  });

  it("fails it with rotation off", () => {
    expect(kmsKeyRotationEnabled.evaluate(facts({ rotation: ok({ enabled: false, keyArn: KEY_ARN }) })).status).to.equal("FAILED");
  });

  it("is NOT_APPLICABLE, with the reason, for AWS-managed, asymmetric, HMAC, imported and custom-key-store keys", () => {
    const cases: [object, RegExp][] = [
      [{ KeyManager: "AWS" }, /AWS-managed/],
      [{ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }, /Asymmetric keys \(RSA_2048\)/],
      [{ KeySpec: "ECC_NIST_P256" }, /Asymmetric/],
      [{ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" }, /HMAC/],
      [{ Origin: "EXTERNAL" }, /imported key material/],
      [{ Origin: "AWS_CLOUDHSM", CustomKeyStoreId: "cks-1" }, /custom key store \(AWS_CLOUDHSM\)/],
      [{ Origin: "EXTERNAL_KEY_STORE", CustomKeyStoreId: "cks-2" }, /custom key store \(EXTERNAL_KEY_STORE\)/],
      // Metadata without KeySpec (older answers, snapshots): KeyUsage and the deprecated CustomerMasterKeySpec still tell.
      [{ KeySpec: undefined, CustomerMasterKeySpec: undefined, KeyUsage: "GENERATE_VERIFY_MAC" }, /HMAC/],
      [{ KeySpec: undefined, CustomerMasterKeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }, /Asymmetric keys \(RSA_2048\)/],
    ];
    for (const [overrides, reason] of cases) {
      // Even a rotation answer of "enabled" must not turn these into a pass.
      const r = kmsKeyRotationEnabled.evaluate(facts({ metadata: ok(keyMetadata(overrides)), rotation: ok({ enabled: true, keyArn: KEY_ARN }) }));
      expect(r.status, JSON.stringify(overrides)).to.equal("NOT_APPLICABLE");
      expect(r.reason).to.match(reason);
    }
  });

  it("does not fail a key pending deletion, whose rotation status KMS reports as false until the deletion is cancelled", () => {
    for (const KeyState of ["PendingDeletion", "PendingReplicaDeletion"] as const) {
      const r = kmsKeyRotationEnabled.evaluate(facts({ metadata: ok(keyMetadata({ KeyState, Enabled: false })), rotation: ok({ enabled: false, keyArn: KEY_ARN }) }));
      expect(r.status, KeyState).to.equal("NOT_APPLICABLE");
      expect(r.reason).to.contain("pending deletion");
    }
    const on = kmsKeyRotationEnabled.evaluate(facts({ metadata: ok(keyMetadata({ KeyState: "PendingDeletion", Enabled: false })), rotation: ok({ enabled: true, keyArn: KEY_ARN }) }));
    expect(on.status).to.equal("PASSED");
  });

  it("judges a multi-Region replica by its primary's rotation", () => {
    const off = kmsKeyRotationEnabled.evaluate(facts({ metadata: ok(replicaMetadata()), rotation: ok({ enabled: false, keyArn: PRIMARY_ARN }) }));
    const denied = kmsKeyRotationEnabled.evaluate(facts({ metadata: ok(replicaMetadata()), rotation: failed("AccessDeniedException") }));
    expect(off.status).to.equal("FAILED");
    expect(off.reason).to.contain(PRIMARY_ARN);
    expect(denied).to.include({ status: "NOT_AVAILABLE", errorCode: "AccessDeniedException" });
    expect(denied.reason).to.contain(PRIMARY_ARN);
  });

  it("never passes on an API error or a missing answer", () => {
    expect(kmsKeyRotationEnabled.evaluate(facts({ rotation: failed("ThrottlingException") }))).to.include({ status: "NOT_AVAILABLE", errorCode: "ThrottlingException" });
    expect(kmsKeyRotationEnabled.evaluate(facts({ metadata: failed("CrossAccountKey") }))).to.include({ status: "NOT_AVAILABLE", errorCode: "CrossAccountKey" });
    expect(kmsKeyRotationEnabled.evaluate(facts()).status).to.equal("NOT_AVAILABLE");
  });
});
