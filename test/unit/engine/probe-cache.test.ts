import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  cacheDir,
  hostEmulationState,
  localRunnerHost,
  probeKey,
  recall,
  remember,
  type ProbeKeyParts,
} from "../../../src/engine/probe-cache.js";

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "multiarch-probe-cache-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const PARTS: ProbeKeyParts = {
  runnerHost: "unix:///run/dagger/engine.sock",
  engineVersion: "v0.21.8",
  native: "linux/amd64",
  probeImage: "busybox:latest",
  hostState: "boot\n--\nqemu-aarch64\nenabled\n",
};

/** A binfmt_misc directory and boot id of our own making. */
function fakeHost(handlers: Record<string, string>, boot = "boot-1"): [string, string] {
  const root = join(work, `binfmt-${Math.random().toString(36).slice(2)}`);
  mkdirSync(root);
  writeFileSync(join(root, "register"), "");
  writeFileSync(join(root, "status"), "enabled\n");
  for (const [name, text] of Object.entries(handlers)) writeFileSync(join(root, name), text);
  const bootFile = join(root, "..", `${root.split("/").pop() ?? ""}.boot`);
  writeFileSync(bootFile, `${boot}\n`);
  return [root, bootFile];
}

const AARCH64 = "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n";

describe("probeKey: one key per engine and handler set", () => {
  it("is the same for the same parts", () => {
    expect(probeKey({ ...PARTS })).toBe(probeKey(PARTS));
  });
  it.each(Object.keys(PARTS) as (keyof ProbeKeyParts)[])("changes when %s changes", (part) => {
    expect(probeKey({ ...PARTS, [part]: `${PARTS[part]}-other` })).not.toBe(probeKey(PARTS));
  });
});

describe("hostEmulationState: the boot and every handler's registration", () => {
  it("changes when a handler is added, disabled or pointed at another interpreter, or after a reboot", () => {
    const base = hostEmulationState(...fakeHost({ "qemu-aarch64": AARCH64 }));
    expect(base).toBeDefined();
    expect(hostEmulationState(...fakeHost({ "qemu-aarch64": AARCH64 }))).toBe(base);
    const others = [
      fakeHost({ "qemu-aarch64": AARCH64, "qemu-i386": "enabled\n" }),
      fakeHost({ "qemu-aarch64": AARCH64.replace("enabled", "disabled") }),
      fakeHost({ "qemu-aarch64": AARCH64.replace("aarch64-binfmt-P", "qemu-aarch64-static") }),
      fakeHost({ "qemu-aarch64": AARCH64 }, "boot-2"),
    ];
    for (const host of others) expect(hostEmulationState(...host)).not.toBe(base);
  });
  it("is undefined where binfmt_misc cannot be read: nothing is cached then", () => {
    expect(hostEmulationState(join(work, "none"), join(work, "none.boot"))).toBeUndefined();
  });
});

describe("localRunnerHost: only an engine on this machine shares our handlers", () => {
  it("takes a unix socket", () => {
    expect(localRunnerHost({ _EXPERIMENTAL_DAGGER_RUNNER_HOST: "unix:///run/x.sock" })).toBe(
      "unix:///run/x.sock",
    );
  });
  it("refuses a TCP engine, no engine, and a surrounding dagger session", () => {
    expect(localRunnerHost({ _EXPERIMENTAL_DAGGER_RUNNER_HOST: "tcp://10.0.0.2:1234" })).toBe(
      undefined,
    );
    expect(localRunnerHost({})).toBe(undefined);
    expect(
      localRunnerHost({
        _EXPERIMENTAL_DAGGER_RUNNER_HOST: "unix:///run/x.sock",
        DAGGER_SESSION_PORT: "4000",
      }),
    ).toBe(undefined);
  });
});

describe("remember and recall", () => {
  it("gives back native and emulated answers under the same key, never an unavailable one", () => {
    const key = probeKey(PARTS);
    remember(work, key, [
      { platform: "linux/amd64", mode: "native", machine: "x86_64" },
      { platform: "linux/arm64", mode: "emulated", machine: "aarch64" },
      { platform: "linux/mips64le", mode: "unavailable", reason: "exec format error" },
    ]);
    expect(recall(work, key, ["linux/arm64", "linux/mips64le", "linux/amd64"])).toEqual([
      { platform: "linux/arm64", mode: "emulated", machine: "aarch64" },
      { platform: "linux/amd64", mode: "native", machine: "x86_64" },
    ]);
    expect(recall(work, probeKey({ ...PARTS, engineVersion: "v0.22.0" }), ["linux/amd64"])).toEqual(
      [],
    );
  });
  it("keeps earlier answers when a later probe adds platforms", () => {
    const key = probeKey(PARTS);
    remember(work, key, [{ platform: "linux/amd64", mode: "native", machine: "x86_64" }]);
    remember(work, key, [{ platform: "linux/s390x", mode: "emulated", machine: "s390x" }]);
    expect(recall(work, key, ["linux/amd64", "linux/s390x"]).map((r) => r.platform)).toEqual([
      "linux/amd64",
      "linux/s390x",
    ]);
    expect(readdirSync(work).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
  it("treats an unreadable cache as empty", () => {
    const key = probeKey(PARTS);
    remember(work, key, [{ platform: "linux/amd64", mode: "native", machine: "x86_64" }]);
    for (const f of readdirSync(work)) writeFileSync(join(work, f), "{ not json");
    expect(recall(work, key, ["linux/amd64"])).toEqual([]);
  });
});

describe("cacheDir", () => {
  it("prefers MULTIARCH_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache", () => {
    expect(cacheDir({ MULTIARCH_CACHE_DIR: "/c", XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe("/c");
    expect(cacheDir({ XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe("/x/multiarch");
    expect(cacheDir({ HOME: "/h" })).toBe("/h/.cache/multiarch");
  });
});
