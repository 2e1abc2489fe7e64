/**
 * `multiarch verify REF`: read a published index back and check it (see src/verify). Talks to
 * the registry directly; starts an engine only for --smoke.
 */
import type { Client } from "@dagger.io/dagger";
import type { VerifyReport } from "../../verify/report.js";
import type { VerifyCommand } from "../args.js";
import { withEngine } from "../../engine/connection.js";
import type { Io } from "../io.js";
import { progressLine, toJson } from "../../present/render.js";

/**
 * Print the report (stdout); when it has problems, throw VERIFY_FAILED naming each of them, which
 * main prints on stderr and turns into exit status 1.
 */
export async function runVerify(command: VerifyCommand, io: Io): Promise<void> {
  const { verify, VerifyError } = await import("../../verify/verify.js");
  const { formatReport } = await import("../../verify/report.js");
  const login = command.credentials;
  const run = (client?: Client): Promise<VerifyReport> =>
    verify(command.ref, {
      throwOnProblem: false,
      scanBinaries: command.scan,
      ...(command.platforms === undefined ? {} : { platforms: [...command.platforms] }),
      ...(command.smoke === undefined ? {} : { smoke: command.smoke }),
      ...(login === undefined ? {} : { username: login.username, password: login.password }),
      ...(command.plainHttp === undefined ? {} : { plainHttp: command.plainHttp }),
      ...(command.retries === undefined ? {} : { retries: command.retries }),
      ...(client === undefined ? {} : { client }),
      onProgress: (event) => {
        if (event.kind === "retry")
          io.err(`${progressLine(event, { width: 0, modeOf: () => undefined })}\n`);
      },
    });
  const report =
    command.smoke === undefined
      ? await run()
      : await withEngine(run, { onChoice: (choice) => io.err(`engine: ${choice.reason}\n`) });
  // The problems go once, in the error, on stderr; the JSON report keeps them too.
  io.out(command.json ? toJson(report) : `${formatReport(report, { problems: false })}\n`);
  if (!report.ok) throw new VerifyError(report);
}
