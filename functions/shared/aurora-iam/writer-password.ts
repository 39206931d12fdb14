/**
 * Sets lambda_writer's password. The server receives a SCRAM-SHA-256 verifier computed here, never
 * the password: a statement log (log_statement = ddl, pgaudit) cannot reveal it.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, randomInt } from "node:crypto";
import type { ClientBase } from "pg";
import { WRITER_DB_USER } from "../contracts/aurora-writer";

/** PostgreSQL's default iteration count (scram_iterations). */
const SCRAM_ITERATIONS = 4096;
const PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/** A random password of letters and digits (no characters any driver or URL needs to escape). */
export function generatePassword(length = 40): string {
  return Array.from({ length }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]).join("");
}

/**
 * The verifier PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802/7677, as in
 * src/common/scram-common.c): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
 * The password must be ASCII (SASLprep leaves it unchanged), as {@link generatePassword}'s are.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  if (!/^[\x21-\x7e]+$/.test(password)) throw new Error("The password must be printable ASCII without spaces.");
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** Sets the writer's password; the role must exist (migration 1 creates it). */
export async function setWriterPassword(client: ClientBase, password: string): Promise<void> {
  await client.query(`ALTER ROLE ${WRITER_DB_USER} WITH PASSWORD ${client.escapeLiteral(scramSha256Verifier(password))}`);
}
