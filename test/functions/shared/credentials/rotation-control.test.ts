import { expect } from "chai";
import { requestRotation } from "../../../../functions/shared/credentials/rotation-control";
import type { SecretStore } from "../../../../functions/shared/credentials/secrets-manager";

const ARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:avesa/postgres/dev-AbCdEf";

describe("requestRotation", () => {
  it("gives up with the service's error when RotateSecret keeps refusing but no stale AWSPENDING is to be seen (no endless loop)", async () => {
    let rotateCalls = 0;
    const refused = Object.assign(new Error("A previous rotation isn't complete. That rotation will be reattempted."), { name: "InvalidRequestException" });
    const store = {
      describe: async () => ({ arn: ARN, name: "avesa/postgres/dev", rotationEnabled: true, versions: { v1: ["AWSCURRENT", "AWSPENDING"] } }),
      rotate: async () => {
        rotateCalls += 1;
        if (rotateCalls > 50) throw new Error("looping");
        throw refused;
      },
    } as unknown as SecretStore;
    const error = await requestRotation(store, ARN).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.match(/previous rotation isn't complete/);
    expect(rotateCalls).to.equal(2);
  });
});
