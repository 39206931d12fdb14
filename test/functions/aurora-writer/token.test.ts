import { expect } from "chai";
import { auroraWriterEnvSchema } from "../../../functions/shared/contracts/aurora-writer";
import { parseEnv } from "../../../functions/shared/platform/env";
import { iamTokenSigner, TokenSigningError, type TokenSignerOptions } from "../../../functions/aurora-writer/token";
import { writerPoolOptions } from "../../../functions/aurora-writer/writer";

const PROXY = "csp-dev-aurora-iam.proxy-c0ffee123456.eu-west-1.rds.amazonaws.com";
const SIGN_FOR_PROXY = { hostname: PROXY, port: 5432, username: "lambda_writer", region: "eu-west-1" };
const ENV = { AWS_REGION: "eu-west-1", DB_PROXY_ENDPOINT: PROXY, DB_NAME: "platform" };

describe("aurora writer: IAM token signer", () => {
  it("signs for the proxy endpoint, port 5432 and lambda_writer, from the function's environment", async () => {
    const calls: TokenSignerOptions[] = [];
    const options = writerPoolOptions(parseEnv(auroraWriterEnvSchema, ENV), (o) => {
      calls.push(o);
      return async () => "token";
    });
    expect(calls).to.deep.equal([SIGN_FOR_PROXY]);
    // The host dialled is the host signed for: a token for the cluster endpoint is refused by the proxy.
    expect(options).to.include({ host: PROXY, port: 5432, user: "lambda_writer", database: "platform" });
    expect(await options.password()).to.equal("token");
  });

  it("makes a token that is a presigned rds-db connect URL for that host, valid 900 seconds", async () => {
    const sign = iamTokenSigner({
      ...SIGN_FOR_PROXY,
      credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
    });
    const token = await sign();
    expect(token.startsWith(`${PROXY}:5432/?`)).to.equal(true);
    expect(token).to.not.match(/^https?:/);
    const params = new URL(`https://${token}`).searchParams;
    expect(params.get("Action")).to.equal("connect");
    expect(params.get("DBUser")).to.equal("lambda_writer");
    expect(params.get("X-Amz-Expires")).to.equal("900");
    expect(params.get("X-Amz-Algorithm")).to.equal("AWS4-HMAC-SHA256");
    expect(params.get("X-Amz-Credential")).to.match(/^AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/);
    expect(params.get("X-Amz-Signature")).to.match(/^[0-9a-f]{64}$/);
    expect(await sign()).to.be.a("string");
  });

  it("turns missing credentials into a TokenSigningError that names the endpoint", async () => {
    const sign = iamTokenSigner({
      ...SIGN_FOR_PROXY,
      credentials: () => Promise.reject(new Error("Could not load credentials from any providers")),
    });
    let error: unknown;
    await sign().catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(TokenSigningError);
    expect((error as Error).message).to.equal(`Could not sign an IAM token for lambda_writer@${PROXY}:5432: Could not load credentials from any providers`);
  });
});
