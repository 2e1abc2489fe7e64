// How engine tests reach the test bed (test/testbed): its status and its environment.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../testbed/testbed.sh", import.meta.url));

/** Fails loudly, with the bed's own report, when any part of it is down. */
export function assertTestbedUp(): void {
  try {
    execFileSync("bash", [script, "status"], { stdio: "pipe", encoding: "utf8" });
  } catch (error) {
    const out = error as { stdout?: string; stderr?: string };
    throw new Error(
      `The test bed is not running; engine tests need it. Start it with 'npm run testbed:up'.\n` +
        `${out.stdout ?? ""}${out.stderr ?? ""}`,
    );
  }
}

/** The variables `npm run testbed:env` prints, parsed into an object. */
export function testbedEnv(): Record<string, string> {
  const lines = execFileSync("bash", [script, "env"], { encoding: "utf8" }).split("\n");
  const env: Record<string, string> = {};
  for (const line of lines) {
    const match = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    // A value with spaces is double-quoted (TESTBED_ENGINES); none holds a quote or a $.
    if (match?.[1] !== undefined && match[2] !== undefined) {
      env[match[1]] = match[2].replace(/^"(.*)"$/, "$1");
    }
  }
  return env;
}

/** Address and credentials of the bed's registry with basic auth. */
export function authRegistry(): { address: string; username: string; password: string } {
  const file = testbedEnv()["MULTIARCH_AUTH_CREDENTIALS_FILE"];
  if (file === undefined) throw new Error("testbed env names no credentials file");
  const values = Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  ) as Record<string, string | undefined>;
  const { MULTIARCH_AUTH_REGISTRY: address, MULTIARCH_AUTH_USERNAME: username } = values;
  const password = values["MULTIARCH_AUTH_PASSWORD"];
  if (address === undefined || username === undefined || password === undefined) {
    throw new Error(`credentials file ${file} lacks MULTIARCH_AUTH_REGISTRY/USERNAME/PASSWORD`);
  }
  return { address, username, password };
}
