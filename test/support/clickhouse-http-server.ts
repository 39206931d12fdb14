/**
 * A local ClickHouse HTTP(S) interface for the rotation tests (no current ClickHouse can be
 * installed here: Debian's is 18.16, which predates SQL-managed users). It checks what a real
 * server checks and answers as one (status codes from exceptionCodeToHTTPStatus.cpp, the body
 * format `Code: N. DB::Exception: … (NAME)` and the `X-ClickHouse-Exception-Code` header):
 * - authentication by HTTP Basic or X-ClickHouse-User/Key, never both (400); unknown user or wrong
 *   password → 403 AUTHENTICATION_FAILED (516);
 * - `ALTER USER` only by POST (GET is read-only: 500 READONLY), only for users granted ACCESS
 *   MANAGEMENT or for the user itself (403 ACCESS_DENIED otherwise);
 * - `sha256_hash BY '<hex>'` replaces the user's methods; from 24.9, `ADD IDENTIFIED` adds one and
 *   `RESET AUTHENTICATION METHODS TO NEW` keeps only the newest; older versions answer 400 SYNTAX_ERROR;
 * - anything else it does not know is a 400 SYNTAX_ERROR.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface User {
  /** SHA-256 hex digests of the accepted passwords, oldest first. */
  methods: string[];
  readonly accessManagement: boolean;
  readonly grants: Set<string>;
}

export interface ClickhouseStandIn {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly caCert: string;
  /** Every statement received, with the user that sent it. */
  readonly queries: { user: string; query: string; method: string }[];
  /** Answers the next `count` requests with this 5xx status. */
  failNext(count: number, status?: number): void;
  addUser(name: string, password: string, options?: { accessManagement?: boolean; grants?: string[] }): void;
  /** How many passwords the user has (dual-password rotation leaves two). */
  methodCount(name: string): number;
  stop(): Promise<void>;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

const EXCEPTIONS = {
  AUTHENTICATION_FAILED: { code: 516, status: 403 },
  ACCESS_DENIED: { code: 497, status: 403 },
  SYNTAX_ERROR: { code: 62, status: 400 },
  BAD_ARGUMENTS: { code: 36, status: 400 },
  READONLY: { code: 164, status: 500 },
  UNKNOWN_USER: { code: 192, status: 403 },
} as const;

function certificates(): { key: string; cert: string; ca: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "ch-tls-"));
  const ssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=clickhouse-test-ca", "-keyout", "ca.key", "-out", "ca.crt"]);
  ssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  ssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt"]);
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return { key: read("server.key"), cert: read("server.crt"), ca: read("ca.crt"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startClickhouse(options: { version?: string } = {}): Promise<ClickhouseStandIn> {
  const version = options.version ?? "24.9.2.42";
  const [major, minor] = version.split(".").map(Number);
  const multiAuth = major > 24 || (major === 24 && minor >= 9);
  const users = new Map<string, User>();
  const queries: ClickhouseStandIn["queries"] = [];
  let faults = { count: 0, status: 503 };
  const tls = certificates();

  const fail = (res: ServerResponse, name: keyof typeof EXCEPTIONS, message: string) => {
    const { code, status } = EXCEPTIONS[name];
    res.writeHead(status, { "content-type": "text/plain; charset=UTF-8", "x-clickhouse-exception-code": String(code) });
    res.end(`Code: ${code}. DB::Exception: ${message}. (${name}) (version ${version} (official build))\n`);
  };
  const rows = (res: ServerResponse, row: Record<string, unknown>) => {
    res.writeHead(200, { "content-type": "application/x-ndjson; charset=UTF-8", "x-clickhouse-format": "JSONEachRow" });
    res.end(`${JSON.stringify(row)}\n`);
  };

  function authenticate(req: IncomingMessage): { user?: string; error?: [keyof typeof EXCEPTIONS, string] } {
    const basic = req.headers.authorization;
    const headerUser = req.headers["x-clickhouse-user"];
    const headerKey = req.headers["x-clickhouse-key"];
    if (basic && (headerUser !== undefined || headerKey !== undefined)) return { error: ["BAD_ARGUMENTS", "Invalid authentication: it is not allowed to use Authorization HTTP header and authentication via parameters or X-ClickHouse-* headers simultaneously"] };
    let name: string;
    let password: string;
    if (basic?.startsWith("Basic ")) {
      const decoded = Buffer.from(basic.slice(6), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      name = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    } else {
      name = String(headerUser ?? "default");
      password = String(headerKey ?? "");
    }
    const user = users.get(name);
    if (!user || !user.methods.includes(sha256(password))) return { error: ["AUTHENTICATION_FAILED", `${name}: Authentication failed: password is incorrect, or there is no user with such name`] };
    return { user: name };
  }

  function alterUser(res: ServerResponse, actor: string, query: string): void {
    const match = /^ALTER USER `((?:[^`\\]|\\.)+)` (.+)$/s.exec(query);
    if (!match) return fail(res, "SYNTAX_ERROR", "Syntax error: failed at position 1 (ALTER USER)");
    const target = match[1].replace(/\\(.)/g, "$1");
    const clause = match[2];
    if (!users.get(actor)!.accessManagement && actor !== target) return fail(res, "ACCESS_DENIED", `${actor}: Not enough privileges. To execute this query, it's necessary to have the grant ALTER USER ON ${target}`);
    const user = users.get(target);
    if (!user) return fail(res, "UNKNOWN_USER", `There is no user \`${target}\` in user directories`);
    const replace = /^IDENTIFIED WITH sha256_hash BY '([0-9a-f]{64})'$/.exec(clause);
    const add = /^ADD IDENTIFIED WITH sha256_hash BY '([0-9a-f]{64})'$/.exec(clause);
    if (replace) user.methods = [replace[1]];
    else if (add && multiAuth) user.methods.push(add[1]);
    else if (clause === "RESET AUTHENTICATION METHODS TO NEW" && multiAuth) user.methods = user.methods.slice(-1);
    else return fail(res, "SYNTAX_ERROR", `Syntax error: failed at position 12 ('${clause.slice(0, 20)}')`);
    res.writeHead(200, { "content-type": "text/plain; charset=UTF-8" }).end("");
  }

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "https://localhost");
      const query = (url.searchParams.get("query") ?? Buffer.concat(chunks).toString("utf8")).trim().replace(/\s+FORMAT\s+JSONEachRow$/i, "");
      if (faults.count > 0) {
        faults.count -= 1;
        res.writeHead(faults.status, { "content-type": "text/plain" }).end("Service Unavailable");
        return;
      }
      const auth = authenticate(req);
      if (!auth.user) return fail(res, ...auth.error!);
      queries.push({ user: auth.user, query, method: req.method ?? "" });
      if (query === "SELECT 1") return rows(res, { "1": 1 });
      if (query === "SELECT version()") return rows(res, { "version()": version });
      if (query === "SELECT currentUser()") return rows(res, { "currentUser()": auth.user });
      const check = /^CHECK GRANT (\w+) ON `(\w+)`\.`(\w+)`$/.exec(query);
      if (check) return rows(res, { result: users.get(auth.user)!.grants.has(`${check[1]}:${check[2]}.${check[3]}`) ? 1 : 0 });
      if (query.startsWith("ALTER USER")) {
        if (req.method !== "POST") return fail(res, "READONLY", "Cannot execute query in readonly mode");
        return alterUser(res, auth.user, query);
      }
      return fail(res, "SYNTAX_ERROR", `Syntax error: failed at position 1 ('${query.slice(0, 20)}')`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: "127.0.0.1",
    port,
    caCert: tls.ca,
    queries,
    failNext(count, status = 503) {
      faults = { count, status };
    },
    addUser(name, password, opts = {}) {
      users.set(name, { methods: [sha256(password)], accessManagement: opts.accessManagement ?? false, grants: new Set(opts.grants ?? []) });
    },
    methodCount: (name) => users.get(name)?.methods.length ?? 0,
    async stop() {
      tls.cleanup();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
