/**
 * The import boundaries of docs/ARCHITECTURE.md, enforced from the imports of the repository's
 * own files, and a proof that the checker fails when a boundary is crossed (planted violations in
 * a throw-away tree).
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { checkImportBoundaries, describeViolations, importsOf } from "./support/import-boundaries";

const ROOT = resolve(__dirname, "..");

describe("architecture: import boundaries", () => {
  it("the repository crosses no boundary", () => {
    const violations = checkImportBoundaries(ROOT);
    expect(violations, describeViolations(violations)).to.deep.equal([]);
  });

  describe("the checker fails on a planted violation", () => {
    let dir: string;
    const plant = (files: Record<string, string>) => {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      return checkImportBoundaries(dir).map((v) => `${v.file} -> ${v.imported}: ${v.rule}`);
    };
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "boundaries-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const cases: [string, Record<string, string>, RegExp][] = [
      ["a function importing cdktf", { "functions/a/handler.ts": 'import { App } from "cdktf";' }, /only inside stacks/],
      ["a function importing a construct", { "functions/a/handler.ts": 'import { NodeFunction } from "../../stacks/constructs/node-function";' }, /never import stacks/],
      ["a stack importing function code", { "stacks/x/x-stack.ts": 'import { handler } from "../../functions/a/handler";' }, /never function code/],
      ["a stack importing shared runtime code", { "stacks/x/x-stack.ts": 'import { x } from "../../functions/shared/cspm/asff";' }, /never function code/],
      ["a function importing another function's folder", { "functions/a/handler.ts": 'const b = require("../b/core");' }, /another function's folder/],
      ["a CLI importing a function's folder", { "scripts/cli/tool/main.ts": 'import { run } from "../../../functions/a/core";' }, /never a function's folder/],
      ["the provider barrel", { "stacks/x/x-stack.ts": 'import { S3Bucket } from "@cdktf/provider-aws";' }, /barrel/],
      ["a contract importing more than zod", { "functions/shared/contracts/c.ts": 'import * as z from "zod";\nimport { x } from "../platform/errors";' }, /only zod/],
      ["the policy engine importing an SDK", { "functions/shared/iam-policy/policy.ts": 'import { S3Client } from "@aws-sdk/client-s3";' }, /pure/],
    ];
    for (const [what, files, rule] of cases) {
      it(what, () => {
        const found = plant(files);
        expect(found).to.have.length(1);
        expect(found[0]).to.match(rule);
      });
    }

    it("allowed imports stay allowed (contracts and iam-policy from a stack, shared code from a CLI, zod in a contract)", () => {
      expect(
        plant({
          "stacks/x/x-stack.ts": 'import { A } from "../../functions/shared/contracts/a";\nimport { p } from "../../functions/shared/iam-policy/policy";\nimport { Fn } from "cdktf";',
          "scripts/cli/tool/main.ts": 'import { A } from "../../../functions/shared/contracts/a";\nimport { s } from "../../../functions/shared/cspm/asff";',
          "functions/shared/contracts/a.ts": 'import * as z from "zod/mini";',
          "functions/a/handler.ts": 'import { A } from "../shared/contracts/a";\nimport { h } from "./core";',
        }),
      ).to.deep.equal([]);
    });

    it("reads every import form and ignores comments", () => {
      expect(importsOf('import a from "a";\nimport type { B } from "b";\nexport { c } from "c";\nimport "d";\nconst e = require("e");\nawait import("f");\n// import g from "g";\n/* import h from "h"; */')).to.deep.equal(["a", "b", "c", "d", "e", "f"]);
    });
  });
});
