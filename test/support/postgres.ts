/**
 * A throw-away PostgreSQL 15 cluster for tests: initdb into a temporary directory, TLS with a
 * certificate authority and server certificate made by openssl, password (SCRAM) authentication
 * over TCP on a free loopback port, and a stop that removes everything. initdb refuses to run as
 * root, so as root (CI) the cluster runs as the `postgres` OS user.
 *
 *   const pg = await startPostgres();   // before()
 *   new Client({ connectionString: pg.url, ssl: { ca: pg.caCert } })
 *   await pg.stop();                    // after()
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PostgresCluster {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** The superuser (`postgres`) and its password. */
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** `postgresql://postgres:…@127.0.0.1:port/postgres?sslmode=verify-full` style URL (add the CA in the client's ssl option). */
  readonly url: string;
  /** PEM of the CA that signed the server certificate (CN/SAN 127.0.0.1 and localhost). */
  readonly caCert: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

const BIN_DIRS = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"];

/** The directory holding initdb/pg_ctl, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv && existsSync(join(fromEnv, "initdb"))) return fromEnv;
  return BIN_DIRS.find((dir) => existsSync(join(dir, "initdb")));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function osUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { uid, gid, name: "postgres" };
}

function run(bin: string, args: string[], asUser: { name: string } | undefined, env: NodeJS.ProcessEnv = {}): string {
  const command = asUser ? "runuser" : bin;
  const argv = asUser ? ["-u", asUser.name, "--", bin, ...args] : args;
  const result = spawnSync(command, argv, { env: { ...process.env, ...env, LC_ALL: "C" }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed (${result.status}): ${result.stderr || result.stdout}`);
  return result.stdout;
}

function makeCertificates(dir: string): void {
  const ssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=platform-test-ca", "-keyout", "ca.key", "-out", "ca.crt"]);
  ssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  ssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt"]);
}

/** Starts a fresh cluster; throws with a clear message when PostgreSQL is not installed. */
export async function startPostgres(options: { readonly logStatements?: boolean } = {}): Promise<PostgresCluster> {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error("PostgreSQL 15 is not installed (no initdb in /usr/lib/postgresql/15/bin); install Debian's postgresql package, as .ci/run does.");
  const root = mkdtempSync(join(tmpdir(), "platform-pg-"));
  const dataDir = join(root, "data");
  const user = osUser();
  const password = `test-${Math.random().toString(36).slice(2)}-Pw`;
  const port = await freePort();
  makeCertificates(root);
  writeFileSync(join(root, "pwfile"), `${password}\n`);
  if (user) {
    for (const file of ["", "ca.crt", "server.crt", "server.key", "pwfile"]) chownSync(join(root, file), user.uid, user.gid);
  }
  chmodSync(join(root, "server.key"), 0o600);
  run(join(binDir, "initdb"), ["-D", dataDir, "-U", "postgres", "--pwfile", join(root, "pwfile"), "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-instructions"], user);
  const conf = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${root}'`,
    "ssl = on",
    `ssl_cert_file = '${join(root, "server.crt")}'`,
    `ssl_key_file = '${join(root, "server.key")}'`,
    `ssl_ca_file = '${join(root, "ca.crt")}'`,
    "password_encryption = 'scram-sha-256'",
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
    "max_connections = 200",
    "shared_buffers = 64MB",
    options.logStatements ? "log_statement = 'all'" : "",
    "logging_collector = off",
  ].join("\n");
  const confFile = join(dataDir, "postgresql.conf");
  writeFileSync(confFile, `${readFileSync(confFile, "utf8")}\n${conf}\n`);
  // TLS only over TCP: a non-TLS TCP connection is rejected, as on RDS with rds.force_ssl = 1.
  writeFileSync(join(dataDir, "pg_hba.conf"), ["local all all trust", "hostssl all all 127.0.0.1/32 scram-sha-256", "hostnossl all all 0.0.0.0/0 reject", ""].join("\n"));
  if (user) chownSync(join(dataDir, "pg_hba.conf"), user.uid, user.gid);
  const logFile = join(root, "server.log");
  run(join(binDir, "pg_ctl"), ["-D", dataDir, "-l", logFile, "-w", "-t", "30", "start"], user);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      run(join(binDir, "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"], user);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  return {
    host: "127.0.0.1",
    port,
    user: "postgres",
    password,
    database: "postgres",
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    caCert: readFileSync(join(root, "ca.crt"), "utf8"),
    dataDir,
    stop,
  };
}
