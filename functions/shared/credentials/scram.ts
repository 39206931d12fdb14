/**
 * PostgreSQL's SCRAM-SHA-256 password verifier (RFC 5802/7677, the format of pg_authid.rolpassword),
 * computed in the function so `ALTER ROLE … PASSWORD 'SCRAM-SHA-256$…'` never carries the clear
 * password to the server, its statement log or pg_stat_statements.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/** PostgreSQL's default (scram_iterations). */
export const SCRAM_ITERATIONS = 4096;

/**
 * PostgreSQL applies SASLprep to the password when it is valid UTF-8. For ASCII (every generated
 * password) that is the identity; for other text NFKC is the main part of it. Passwords that need
 * SASLprep's other mappings (rare control or space characters) are refused rather than guessed.
 */
function prepare(password: string): Buffer {
  if (/^[\x20-\x7e]*$/.test(password)) return Buffer.from(password, "utf8");
  if (/[\u0000-\u001f\u007f\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\u00ad\u034f\u1806\u180b-\u180d\ufe00-\ufe0f\ufeff]/.test(password)) {
    throw new Error("The password contains control or special space characters that SCRAM's SASLprep would map; choose another password.");
  }
  return Buffer.from(password.normalize("NFKC"), "utf8");
}

export function scramSha256Verifier(password: string, options: { salt?: Buffer; iterations?: number } = {}): string {
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  const salted = pbkdf2Sync(prepare(password), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
