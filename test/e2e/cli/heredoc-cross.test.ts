// A Dockerfile whose heredocs hold `FROM` and `RUN` lines, published by the real CLI: the report
// calls the foreign platform cross (no step of the target platform runs a command), and the image
// shows BuildKit read the heredocs as we did: their bodies became files, not stages.
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { REPO_ROOT, runCli } from "../../support/run-cli.js";
import { readImageFiles, uniqueRepo } from "../support/oci.js";

const REGISTRY = process.env["MULTIARCH_REGISTRY"] ?? "127.0.0.1:5000";
const FIXTURE = join(REPO_ROOT, "test", "fixtures", "heredoc-cross");

describe("a heredoc Dockerfile", () => {
  test("publish reports the foreign platform cross, and the heredoc bodies are files", async () => {
    const ref = `${REGISTRY}/${uniqueRepo("cred-parser-heredoc")}:1`;
    const run = await runCli([
      ...["publish", "--source", FIXTURE, "--address", ref],
      ...["--platforms", "linux/amd64,linux/arm64", "--json"],
    ]);
    expect(run.stderr).not.toMatch(/multiarch: \w+:/);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      platforms: { platform: string; mode: string }[];
      emulation: { native: string };
    };
    // The bed's engine runs linux/amd64 natively (an x86_64 host): arm64 is the foreign one.
    expect(report.emulation.native).toBe("linux/amd64");
    expect(report.platforms.map((p) => [p.platform, p.mode])).toEqual([
      ["linux/amd64", "native"],
      ["linux/arm64", "cross"],
    ]);

    const [arch, example, notes] = readImageFiles(ref, "linux/arm64", [
      "info/target-arch",
      "info/Containerfile.example",
      "info/notes.txt",
    ]);
    expect(arch?.trim()).toBe("arm64");
    expect(example).toContain("FROM busybox\nRUN echo this line is shell data");
    expect(notes).toBe("FROM scratch\nRUN nothing\n");
  });
});
