// --secret (buildx's id=…,src=…|env=…) and --progress, parsed.
import { describe, expect, test } from "vitest";
import { parseCli, type PublishCommand } from "../../../src/cli/args.js";
import { progressOutput } from "../../../src/cli/progress-output.js";
import { parseSecretFlag } from "../../../src/cli/secret-flag.js";
import { UsageError } from "../../../src/cli/usage.js";

const context = { env: { TOKEN: "t0ps3cret" }, cwd: "/work/here" };
const publish = (...args: string[]) =>
  parseCli(["publish", "-t", "127.0.0.1:5000/app:1", ...args, "."], context) as PublishCommand;

describe("--secret", () => {
  test.each([
    ["id=npm,src=.npmrc", { id: "npm", file: ".npmrc" }],
    ["id=npm,source=/abs/.npmrc", { id: "npm", file: "/abs/.npmrc" }],
    ["type=file,id=npm,src=x", { id: "npm", file: "x" }],
    ["id=tok,env=TOKEN", { id: "tok", env: "TOKEN" }],
    ["type=env,id=tok,env=TOKEN", { id: "tok", env: "TOKEN" }],
  ])("%s", (text, want) => {
    expect(parseSecretFlag(text)).toEqual(want);
  });

  test.each([
    ["id=npm", "give exactly one of src=PATH"],
    ["id=npm,src=a,env=B", "give exactly one of src=PATH"],
    ["src=a", "id= must name the secret"],
    ["id=a b,src=x", "id= must name the secret"],
    ["id=x,src=a,mode=0400", 'unknown key "mode"'],
    ["id=x,id=y,src=a", "each part is KEY=VALUE, once"],
    ["id=x,env=1BAD", "give exactly one of src=PATH"],
  ])("%s is refused", (text, reason) => {
    expect(() => parseSecretFlag(text)).toThrow(reason);
  });

  test("a file is resolved against the working directory; a variable is read at once", () => {
    expect(publish("--secret", "id=a,src=s/a.txt", "--secret", "id=b,env=TOKEN").secrets).toEqual([
      { id: "a", file: "/work/here/s/a.txt" },
      { id: "b", env: "TOKEN", value: "t0ps3cret" },
    ]);
  });

  test("an unset variable is refused, naming it, not its value", () => {
    expect(() => publish("--secret", "id=b,env=NOT_SET_HERE")).toThrow(UsageError);
    expect(() => publish("--secret", "id=b,env=NOT_SET_HERE")).toThrow(
      "--secret id=b: the environment variable NOT_SET_HERE is not set",
    );
  });
});

describe("--progress", () => {
  test("auto by default; each of buildx's modes accepted; others refused", () => {
    expect(publish().progress).toBe("auto");
    for (const mode of ["auto", "plain", "tty", "rawjson", "quiet"]) {
      expect(publish("--progress", mode).progress).toBe(mode);
    }
    expect(() => publish("--progress", "fancy")).toThrow(
      '--progress must be one of auto, plain, tty, rawjson, quiet, not "fancy"',
    );
  });

  test("what each mode writes for a note, an event and the engine's log", () => {
    const written = (mode: "auto" | "plain" | "tty" | "rawjson" | "quiet") => {
      let err = "";
      const out = progressOutput(mode, { out: () => {}, err: (t) => void (err += t) });
      out.note("engine: here", { kind: "engine", reason: "here" });
      out.event({ kind: "build-start", platform: "linux/arm64" }, "linux/arm64  building…");
      out.engineLog?.("\u001b[32mRUN echo hi\u001b[0m\n");
      return err;
    };
    expect(written("quiet")).toBe("");
    expect(written("auto")).toBe("engine: here\nlinux/arm64  building…\n");
    expect(written("tty")).toBe(written("auto"));
    expect(written("plain")).toBe("engine: here\nlinux/arm64  building…\nRUN echo hi\n");
    expect(
      written("rawjson")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { kind: "engine", reason: "here" },
      { kind: "build-start", platform: "linux/arm64" },
    ]);
  });
});
