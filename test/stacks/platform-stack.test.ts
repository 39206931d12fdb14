import { expect } from "chai";
import { Testing } from "cdktf";
import { RoleVendingStack } from "../../stacks/role-vending/role-vending-stack";
import { synth, testConfig } from "../support/synth";
import { ensureBundles } from "../support/bundles";

describe("platform stack (what every subsystem stack has)", () => {
  // The sample stack's functions need their zips.
  before(async function () {
    this.timeout(120000);
    await ensureBundles();
  });

  it("stores state in S3 with native locking and encryption when a backend is configured", () => {
    const config = testConfig({ backend: { bucket: "tf-state", region: "eu-west-1", keyPrefix: "platform" } });
    const out = synth(new RoleVendingStack(Testing.app(), config));
    expect(out.terraform?.backend?.s3).to.include({ bucket: "tf-state", key: "platform/dev/role-vending.tfstate", encrypt: true, use_lockfile: true });
  });

  it("pins the account for real deploys and never carries offline flags or keys", () => {
    const out = synth(new RoleVendingStack(Testing.app(), testConfig()));
    const [provider] = out.provider?.aws as Record<string, unknown>[];
    expect(provider.allowed_account_ids).to.deep.equal(["111111111111"]);
    for (const key of ["access_key", "secret_key", "skip_credentials_validation", "skip_requesting_account_id", "skip_metadata_api_check"]) expect(provider).to.not.have.property(key);
    expect(out.terraform?.backend?.local?.path).to.equal("role-vending-dev.tfstate");
  });

  it("in offline mode skips AWS checks with dummy keys and keeps state local, even with a backend configured", () => {
    const config = testConfig({ offline: true, backend: { bucket: "tf-state", region: "eu-west-1", keyPrefix: "platform" } });
    const out = synth(new RoleVendingStack(Testing.app(), config));
    const [provider] = out.provider?.aws as Record<string, unknown>[];
    expect(provider).to.include({ skip_credentials_validation: true, skip_requesting_account_id: true, skip_metadata_api_check: "true" });
    expect(provider.access_key).to.match(/OFFLINE/);
    expect(provider).to.not.have.property("allowed_account_ids");
    expect(out.terraform?.backend).to.have.property("local");
    expect(out.terraform?.backend).to.not.have.property("s3");
  });

  it("tags every resource with the environment and subsystem", () => {
    const out = synth(new RoleVendingStack(Testing.app(), testConfig()));
    const [provider] = out.provider?.aws as { default_tags: { tags: Record<string, string> }[] }[];
    expect(provider.default_tags[0].tags).to.include({ environment: "dev", subsystem: "role-vending", project: "cloud-security-platform" });
  });
});
