/** The KMS checks, in the order results are reported. */
import type { Check } from "../../check";
import type { KeyFacts } from "../facts";
import { kmsKeyCrossAccountAccess } from "./kms-key-cross-account-access";
import { kmsKeyEnabled } from "./kms-key-enabled";
import { kmsKeyImportedMaterialExpiry } from "./kms-key-imported-material-expiry";
import { kmsKeyMultiRegion } from "./kms-key-multi-region";
import { kmsKeyNoWildcardKmsActions } from "./kms-key-no-wildcard-kms-actions";
import { kmsKeyNotPendingDeletion } from "./kms-key-not-pending-deletion";
import { kmsKeyPolicyNotPublic } from "./kms-key-policy-not-public";
import { kmsKeyRotationEnabled } from "./kms-key-rotation-enabled";

export const KMS_CHECKS: readonly Check<KeyFacts>[] = [
  kmsKeyRotationEnabled,
  kmsKeyNotPendingDeletion,
  kmsKeyEnabled,
  kmsKeyPolicyNotPublic,
  kmsKeyCrossAccountAccess,
  kmsKeyNoWildcardKmsActions,
  kmsKeyMultiRegion,
  kmsKeyImportedMaterialExpiry,
];
