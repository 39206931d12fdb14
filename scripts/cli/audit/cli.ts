/**
 * Helpers every `audit` subcommand shares: exit codes, where output goes, error printing, colour
 * (only on a TTY, never with NO_COLOR), and plain-text tables.
 */
import { STSClient } from "@aws-sdk/client-sts";
import type { CommanderError } from "commander";
import type { CheckStatus, Severity } from "../../../functions/shared/cspm/check";
import { PlatformError, ValidationError } from "../../../functions/shared/platform/errors";

export const EXIT_OK = 0;
/** The audit could not run (AWS unreachable, no credentials, a key that does not exist ...). */
export const EXIT_FAILURE = 1;
/** The command line is wrong: bad option, unreadable snapshot, malformed key id. */
export const EXIT_USAGE = 2;
/** The audit ran, but some resources could not be fully read: their results are NOT_AVAILABLE. */
export const EXIT_INCOMPLETE = 4;

/** Where output goes; tests inject a sink. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  readonly env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    stdoutIsTty: process.stdout.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
    env: process.env,
  };
}

/** Whether stdout output may carry colours. */
export function useColor(io: CliIo): boolean {
  return io.stdoutIsTty && io.env.NO_COLOR === undefined;
}

/**
 * Prints one line for an error and returns the exit code: 2 for a ValidationError (usage), 1
 * otherwise. Never a stack trace; the AWS or platform error code is appended.
 */
export function reportError(io: CliIo, command: string, error: unknown): number {
  const code = error instanceof PlatformError ? error.code : (error as { name?: string })?.name;
  const message = (error as Error)?.message ?? String(error);
  io.stderr(`${command}: ${message}${code && code !== "Error" ? ` (${code})` : ""}\n`);
  return error instanceof ValidationError ? EXIT_USAGE : EXIT_FAILURE;
}

/** For `Command.exitOverride`: commander already printed the usage error; help and version exit 0. */
export function exitOnUsageError(error: CommanderError): never {
  process.exit(error.exitCode === 0 ? EXIT_OK : EXIT_USAGE);
}

/** For options that may be repeated: `--key-id a --key-id b`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const ANSI: Record<string, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
  gray: [90, 39],
  bold: [1, 22],
};

export type Color = keyof typeof ANSI;

export function paint(text: string, color: Color | undefined, enabled: boolean): string {
  if (!enabled || !color) return text;
  const [open, close] = ANSI[color]!;
  return `\x1b[${open}m${text}\x1b[${close}m`;
}

export const STATUS_COLOR: Readonly<Record<CheckStatus, Color>> = {
  PASSED: "green",
  FAILED: "red",
  WARNING: "yellow",
  NOT_AVAILABLE: "magenta",
  NOT_APPLICABLE: "gray",
};

export const SEVERITY_COLOR: Readonly<Record<Severity, Color | undefined>> = {
  CRITICAL: "red",
  HIGH: "red",
  MEDIUM: "yellow",
  LOW: undefined,
  INFORMATIONAL: "gray",
};

/** A cell: plain text, optionally coloured (width is measured on the plain text). */
export type Cell = string | { readonly text: string; readonly color?: Color };

/** Renders rows under a header, columns padded to their widest cell; the last column is not padded. */
export function renderTable(header: readonly string[], rows: readonly (readonly Cell[])[], color: boolean): string {
  const plain = (c: Cell) => (typeof c === "string" ? c : c.text);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => plain(r[i] ?? "").length)));
  const line = (cells: readonly Cell[], bold = false) =>
    cells
      .map((c, i) => {
        const text = plain(c);
        const padded = i === cells.length - 1 ? text : text.padEnd(widths[i]!);
        return paint(padded, bold ? "bold" : typeof c === "string" ? undefined : c.color, color);
      })
      .join("  ")
      .trimEnd();
  return [line(header, true), ...rows.map((r) => line(r))].join("\n") + "\n";
}

/**
 * The region the SDK's own chain gives (AWS_REGION, AWS_DEFAULT_REGION, the profile's `region` in
 * ~/.aws/config), or undefined when none is configured.
 */
export async function sdkDefaultRegion(): Promise<string | undefined> {
  try {
    return await new STSClient({}).config.region();
  } catch {
    return undefined;
  }
}
