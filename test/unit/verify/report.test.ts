import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/common/errors.js";
import { failureSummary, formatProblems, formatReport } from "../../../src/verify/report.js";
import type { VerifyReport } from "../../../src/verify/report.js";
import { VerifyError } from "../../../src/verify/verify.js";
import { expectMultiarchError } from "../../support/expect-error.js";

const DIGEST = `sha256:${"a".repeat(64)}`;
const M1 = `sha256:${"1".repeat(64)}`;
const M2 = `sha256:${"2".repeat(64)}`;

const scan = {
  layers: 1,
  files: 4,
  elfFiles: 1,
  compressedBytes: 1_000_000,
  tarBytes: 2_000_000,
  entries: 286,
  seconds: 0.5,
  mismatches: [],
};

const good: VerifyReport = {
  ref: "127.0.0.1:5000/app:v1",
  digest: DIGEST,
  mediaType: "application/vnd.oci.image.index.v1+json",
  ok: true,
  platforms: [
    {
      platform: "linux/amd64",
      digest: M1,
      config: "linux/amd64",
      blobs: { found: 3, referenced: 3 },
      scan,
    },
    {
      platform: "linux/arm/v7",
      digest: M2,
      config: "linux/arm/v7",
      blobs: { found: 3, referenced: 3 },
      scan,
      smoke: {
        command: ["sh", "-c", "uname -m"],
        passed: true,
        exitCode: 0,
        stdout: "armv7l\n",
        stderr: "",
        seconds: 2,
      },
    },
  ],
  problems: [],
};

const bad: VerifyReport = {
  ...good,
  ok: false,
  platforms: [
    {
      ...good.platforms[0]!,
      platform: "linux/arm64",
      scan: {
        ...scan,
        mismatches: [{ path: "/bin/busybox", found: "x86-64", expected: "aarch64 (linux/arm64)" }],
      },
      smoke: {
        command: ["uname", "-m"],
        passed: false,
        exitCode: 127,
        stdout: "",
        stderr: "not found",
        seconds: 1,
      },
    },
  ],
  problems: [
    {
      platform: "linux/arm64",
      kind: "wrong-architecture",
      message: "/bin/busybox is x86-64, expected aarch64 (linux/arm64).",
    },
    {
      platform: "linux/s390x",
      kind: "missing-platform",
      message: "The index has no entry for linux/s390x.",
    },
    { kind: "not-an-index", message: "Not an index." },
  ],
};

describe("formatProblems", () => {
  it("prefixes each problem with its platform, when it has one", () => {
    expect(formatProblems(bad.problems)).toEqual([
      "linux/arm64: /bin/busybox is x86-64, expected aarch64 (linux/arm64).",
      "linux/s390x: The index has no entry for linux/s390x.",
      "Not an index.",
    ]);
  });
});

describe("formatReport", () => {
  it("shows a good report: header, one line per platform, scan totals", () => {
    expect(formatReport(good)).toBe(
      [
        `127.0.0.1:5000/app:v1@${DIGEST}: OK`,
        "  linux/amd64   sha256:111111111111  blobs: 3/3  scan: 1 ELF of 4 files ok",
        "  linux/arm/v7  sha256:222222222222  blobs: 3/3  scan: 1 ELF of 4 files ok  smoke: ok (armv7l)",
        "  scanned 572 tar entries, 4.0 MB of layers, without running them",
      ].join("\n"),
    );
  });

  it("shows a failed report with every problem", () => {
    const text = formatReport(bad);
    expect(text.split("\n")[0]).toBe(`127.0.0.1:5000/app:v1@${DIGEST}: FAILED`);
    expect(text).toContain("scan: 1 ELF of 4 files 1 for another CPU  smoke: FAILED (exit 127)");
    expect(text).toContain("problems (3):");
    expect(text).toContain(
      "  - linux/arm64: /bin/busybox is x86-64, expected aarch64 (linux/arm64).",
    );
  });

  it("shows a reference with nothing behind it", () => {
    const text = formatReport({
      ...bad,
      digest: "",
      platforms: [],
      problems: [{ kind: "not-found", message: "The registry has no manifest x." }],
    });
    expect(text).toBe(
      [
        "127.0.0.1:5000/app:v1: FAILED",
        "problems (1):",
        "  - The registry has no manifest x.",
      ].join("\n"),
    );
  });
});

describe("VerifyError", () => {
  it("is VERIFY_FAILED, names every problem and carries the report", async () => {
    const error = await expectMultiarchError(
      () => {
        throw new VerifyError(bad);
      },
      ErrorCode.VERIFY_FAILED,
      { given: `${bad.ref}@${bad.digest}` },
    );
    if (!(error instanceof VerifyError)) throw new Error("not a VerifyError");
    expect(error.report).toBe(bad);
    expect(error.message).toContain(failureSummary(bad));
    expect(error.message.split("\n")[0]).toBe(
      "Verification of 127.0.0.1:5000/app:v1 failed: 3 problems.",
    );
    for (const line of formatProblems(bad.problems)) expect(error.message).toContain(line);
  });

  it("names a reference by digest with its digest once", async () => {
    const byDigest = { ...bad, ref: `127.0.0.1:5000/app@${bad.digest}` };
    const error = await expectMultiarchError(
      () => {
        throw new VerifyError(byDigest);
      },
      ErrorCode.VERIFY_FAILED,
      { given: byDigest.ref },
    );
    expect(error.message).not.toContain(`@${bad.digest}@`);
    expect(formatReport(byDigest).split("\n")[0]).toBe(`${byDigest.ref}: FAILED`);
  });
});
