import { expect } from "chai";
import { kmsKeyEnabled } from "../../../../../../functions/shared/cspm/kms/checks/kms-key-enabled";
import { kmsKeyImportedMaterialExpiry } from "../../../../../../functions/shared/cspm/kms/checks/kms-key-imported-material-expiry";
import { kmsKeyMultiRegion } from "../../../../../../functions/shared/cspm/kms/checks/kms-key-multi-region";
import { kmsKeyNotPendingDeletion } from "../../../../../../functions/shared/cspm/kms/checks/kms-key-not-pending-deletion";
import { facts, failed, keyMetadata, ok, PRIMARY_ARN, replicaMetadata } from "../../../../kms-auditor/fixtures";

describe("kms_key_not_pending_deletion (KMS.3)", () => {
  it("fails a key pending deletion with its date, passes an enabled key", () => {
    const pending = kmsKeyNotPendingDeletion.evaluate(facts({ metadata: ok(keyMetadata({ KeyState: "PendingDeletion", Enabled: false, DeletionDate: new Date("2026-02-01T00:00:00Z") })) }));
    const enabled = kmsKeyNotPendingDeletion.evaluate(facts());
    expect(pending.status).to.equal("FAILED");
    expect(pending.reason).to.contain("2026-02-01T00:00:00.000Z");
    expect(enabled.status).to.equal("PASSED");
    expect(kmsKeyNotPendingDeletion.metadata).to.include({ severity: "CRITICAL", securityHubControl: "KMS.3" });
  });

  it("fails a primary waiting for its replicas' deletion", () => {
    expect(kmsKeyNotPendingDeletion.evaluate(facts({ metadata: ok(keyMetadata({ KeyState: "PendingReplicaDeletion", PendingDeletionWindowInDays: 7 })) })).status).to.equal("FAILED");
  });

  it("is NOT_AVAILABLE, never PASSED, when DescribeKey failed", () => {
    const r = kmsKeyNotPendingDeletion.evaluate(facts({ metadata: failed("AccessDeniedException") }));
    expect(r).to.include({ status: "NOT_AVAILABLE", errorCode: "AccessDeniedException" });
  });
});

describe("kms_key_enabled", () => {
  it("passes Enabled, fails each unusable state, warns on transitional states", () => {
    const status = (KeyState: string) => kmsKeyEnabled.evaluate(facts({ metadata: ok(keyMetadata({ KeyState: KeyState as never })) })).status;
    expect(status("Enabled")).to.equal("PASSED");
    for (const s of ["Disabled", "PendingImport", "Unavailable", "PendingDeletion", "PendingReplicaDeletion"]) expect(status(s), s).to.equal("FAILED");
    expect(status("Creating")).to.equal("WARNING");
    expect(kmsKeyEnabled.evaluate(facts({ metadata: failed("ThrottlingException") }))).to.include({ status: "NOT_AVAILABLE", errorCode: "ThrottlingException" });
  });
});

describe("kms_key_multi_region (informational)", () => {
  it("passes a single-Region key and reports primary and replica keys", () => {
    const single = kmsKeyMultiRegion.evaluate(facts());
    const replica = kmsKeyMultiRegion.evaluate(facts({ metadata: ok(replicaMetadata()) }));
    expect(single.status).to.equal("PASSED");
    expect(replica.status).to.equal("WARNING");
    expect(replica.reason).to.contain(PRIMARY_ARN);
    expect(kmsKeyMultiRegion.metadata.severity).to.equal("INFORMATIONAL");
  });
});

describe("kms_key_imported_material_expiry", () => {
  const imported = (overrides: object) => facts({ metadata: ok(keyMetadata({ Origin: "EXTERNAL", ...overrides })) });

  it("does not apply to KMS-generated material", () => {
    expect(kmsKeyImportedMaterialExpiry.evaluate(facts()).status).to.equal("NOT_APPLICABLE");
  });

  it("passes non-expiring material, fails expiring material with the date and days left", () => {
    const forever = kmsKeyImportedMaterialExpiry.evaluate(imported({ ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }));
    const later = kmsKeyImportedMaterialExpiry.evaluate(imported({ ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: new Date("2026-07-15T00:00:00Z") }));
    const soon = kmsKeyImportedMaterialExpiry.evaluate(imported({ ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: new Date("2026-01-25T00:00:00Z") }));
    expect(forever.status).to.equal("PASSED");
    expect(later).to.deep.include({ status: "FAILED", details: { validTo: "2026-07-15T00:00:00.000Z", daysLeft: 181 } });
    expect(later.severity).to.equal(undefined);
    expect(soon).to.include({ status: "FAILED", severity: "HIGH" });
  });

  it("fails high when the material is gone (PendingImport)", () => {
    expect(kmsKeyImportedMaterialExpiry.evaluate(imported({ KeyState: "PendingImport" }))).to.include({ status: "FAILED", severity: "HIGH" });
  });
});
