import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getAwsCredentialsForService, serviceRoleArn } from "../../../../functions/shared/credentials/default-manager";

describe("getAwsCredentialsForService", () => {
  const saved = process.env.AWS_REGION;
  const requests: URLSearchParams[] = [];
  let sts: Server;
  let endpoint: string;
  before(async () => {
    process.env.AWS_REGION = "eu-west-1";
    // STS's query protocol: a form-encoded POST answered with XML.
    sts = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        requests.push(new URLSearchParams(body));
        const expiration = new Date(Date.now() + 3_600_000).toISOString();
        res.writeHead(200, { "content-type": "text/xml" }).end(
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIATEMPORARY0000001</AccessKeyId><SecretAccessKey>temporary-secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/csp-dev-pipeline/bench</Arn><AssumedRoleId>AROA:bench</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
        );
      });
    });
    await new Promise<void>((r) => sts.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(sts.address() as AddressInfo).port}`;
  });
  after(() => {
    sts.close();
    if (saved === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = saved;
  });

  it("names the environment's role for the service from an explicit ARN or the account", () => {
    expect(serviceRoleArn("pipeline", "dev", { PLATFORM_ROLE_ARN_PIPELINE_DEV: "arn:aws:iam::111111111111:role/custom" })).to.equal("arn:aws:iam::111111111111:role/custom");
    expect(serviceRoleArn("data-loader", "prod", { PLATFORM_ACCOUNT_ID_PROD: "333333333333" })).to.equal("arn:aws:iam::333333333333:role/csp-prod-data-loader");
    expect(() => serviceRoleArn("pipeline", "dev", {})).to.throw("No role for pipeline in dev: set PLATFORM_ROLE_ARN_PIPELINE_DEV or PLATFORM_ACCOUNT_ID_DEV");
    expect(() => serviceRoleArn("Bad Name", "dev", {})).to.throw(/is not a service name/);
  });

  it("assumes the role through STS and returns temporary credentials, never access keys of its own", async () => {
    const provider = getAwsCredentialsForService("pipeline", "dev", {
      env: { PLATFORM_ACCOUNT_ID_DEV: "111111111111" },
      sessionName: "bench",
      stsEndpoint: endpoint,
      sourceCredentials: { accessKeyId: "AKIDCALLER", secretAccessKey: "caller" },
    });
    const credentials = await provider();
    expect(credentials).to.include({ accessKeyId: "ASIATEMPORARY0000001", sessionToken: "token" });
    expect(requests).to.have.length(1);
    expect(Object.fromEntries(requests[0])).to.include({ Action: "AssumeRole", RoleArn: "arn:aws:iam::111111111111:role/csp-dev-pipeline", RoleSessionName: "bench", DurationSeconds: "3600" });
  });
});
