import { compliant, defineRule, nonCompliant } from "./rule";
import { isCustomerKey } from "./support/kms";
import { isTrue } from "./support/stack-model";

export default defineRule({
  id: "rds-storage-kms-encrypted",
  expects: "storage_encrypted true with kms_key_id naming a customer-managed key.",
  why: "Unencrypted storage and snapshots expose the data to anyone who gets a snapshot shared or copied.",
  fix: "Set storage_encrypted = true and kms_key_id to the stack's key.",
  level: "error",
  resourceTypes: ["aws_db_instance", "aws_rds_cluster"],
  check(db, stack) {
    if (!isTrue(db.config.storage_encrypted)) return nonCompliant("set storage_encrypted = true with kms_key_id = the stack's key");
    return isCustomerKey(db.config.kms_key_id, stack) ? compliant("encrypted with a customer-managed key") : nonCompliant("set kms_key_id to the stack's customer-managed key (not aws/rds)");
  },
});
