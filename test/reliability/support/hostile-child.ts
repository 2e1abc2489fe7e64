// One hostile case in a process of its own, so the peak RSS it reports is that case's alone
// (test/reliability/hostile.test.ts runs it with `node --import tsx`). argv[2] is the call as
// JSON; it prints one JSON line: how the call ended, and the process's peak RSS. An exception
// that is not a MultiarchError is printed as "uncoded"; a crash prints nothing and exits non-zero.
import { isMultiarchError } from "../../../src/common/errors.js";
import { RegistryClient } from "../../../src/registry/client.js";
import { readIndex } from "../../../src/registry/image-index.js";
import { verify, VerifyError } from "../../../src/verify/verify.js";

export interface HostileCall {
  readonly kind: "verify" | "readIndex" | "baseline";
  /** `127.0.0.1:port` of the hostile registry. */
  readonly registry: string;
  readonly repository: string;
  readonly reference: string;
}

export interface HostileOutcome {
  readonly ended: "result" | "error" | "uncoded";
  /** The MultiarchError's code, for "error". */
  readonly code?: string;
  readonly status?: number;
  readonly operation?: string;
  /** The error's message, or the verify report's problems, or a summary of the result. */
  readonly text: string;
  /** Peak resident set size of this process, KiB. */
  readonly maxRssKiB: number;
}

async function run(call: HostileCall): Promise<string> {
  if (call.kind === "baseline") return "nothing run";
  if (call.kind === "readIndex") {
    const client = new RegistryClient({ registry: call.registry, retries: 1 });
    const summary = await readIndex(client, call.repository, call.reference);
    if (summary === undefined) return "absent";
    return "entries" in summary ? `index of ${summary.entries.length} entries` : "one manifest";
  }
  const report = await verify(`${call.registry}/${call.repository}:${call.reference}`, {
    retries: 1,
  });
  const scanned = report.platforms.map((p) => `${p.scan?.tarBytes ?? 0} tar bytes`).join(", ");
  return `verified: ${report.platforms.length} platform(s), ${scanned}`;
}

function outcome(error: unknown): Omit<HostileOutcome, "maxRssKiB"> {
  if (error instanceof VerifyError) {
    const text = error.report.problems.map((p) => p.message).join(" | ");
    return { ended: "error", code: error.code, text };
  }
  if (isMultiarchError(error)) {
    return {
      ended: "error",
      code: error.code,
      text: error.message,
      ...(error.details.status === undefined ? {} : { status: error.details.status }),
      ...(error.details.operation === undefined ? {} : { operation: error.details.operation }),
    };
  }
  return {
    ended: "uncoded",
    text: error instanceof Error ? (error.stack ?? error.message) : String(error),
  };
}

const call = JSON.parse(process.argv[2] ?? "{}") as HostileCall;
let ended: Omit<HostileOutcome, "maxRssKiB">;
try {
  ended = { ended: "result", text: await run(call) };
} catch (error) {
  ended = outcome(error);
}
const line: HostileOutcome = { ...ended, maxRssKiB: process.resourceUsage().maxRSS };
// Exit at once: a keep-alive connection to the hostile registry must not hold the process.
process.stdout.write(`${JSON.stringify(line)}\n`, () => process.exit(0));
