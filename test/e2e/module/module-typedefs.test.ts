// The Dagger module's API as `dagger functions` will show it: the TypeScript SDK's own
// introspector (the one the module runtime runs) over src/, compared with a committed golden file.
// Engine test because the introspector needs the engine's core types: sdk/client.gen.ts, generated
// from the live engine's schema by test/module/generate-sdk.sh.
//
// After an intended change to the module's API or docs: UPDATE_GOLDEN=1 npx vitest run
// --config vitest.e2e.config.ts test/e2e/module-typedefs.test.ts, then review the golden's diff.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DOCKERFILE, DEFAULT_PLATFORMS } from "../../../src/index.js";

const repo = fileURLToPath(new URL("../../..", import.meta.url));
const golden = fileURLToPath(new URL("../golden/module-typedefs.json", import.meta.url));
const introspector = join(
  dirname(createRequire(import.meta.url).resolve("@dagger.io/dagger")),
  "module/entrypoint/introspection_entrypoint.js",
);

interface Arg {
  name: string;
  description: string;
  type: unknown;
  isOptional: boolean;
  defaultValue?: unknown;
}
interface Fn {
  name: string;
  description: string;
  arguments: Record<string, Arg>;
  returnType: unknown;
}
interface Obj {
  name: string;
  description: string;
  methods: Record<string, Fn>;
  properties: Record<string, { description: string; isExposed: boolean }>;
}
interface Typedefs {
  name: string;
  description?: string;
  objects: Record<string, Obj>;
  enums: Record<string, { description: string; values: Record<string, { description: string }> }>;
}

let typedefs: Typedefs;
let warnings: string;

beforeAll(() => {
  execFileSync("bash", [join(repo, "test/module/generate-sdk.sh")], { cwd: repo, stdio: "pipe" });
  // Exactly what the module runtime runs (sdk/typescript/runtime/introspector.go at v0.21.8):
  // introspection_entrypoint <module name> <the module's src dir> <client.gen.ts>; DRY_RUN prints
  // the typedefs instead of registering them with the engine.
  const run = spawnSync(process.execPath, [introspector, "multiarch", "src", "sdk/client.gen.ts"], {
    cwd: repo,
    env: { ...process.env, DRY_RUN: "1" },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`the introspector failed:\n${run.stderr}${run.stdout}`);
  typedefs = JSON.parse(run.stdout) as Typedefs;
  warnings = run.stderr;
});

describe("the module's typedefs, as the Dagger TypeScript SDK's introspector reads src/", () => {
  it("match the golden file (functions, arguments, types, defaults, docs)", () => {
    if (process.env["UPDATE_GOLDEN"] === "1") {
      writeFileSync(golden, `${JSON.stringify(typedefs, null, 2)}\n`);
    }
    expect(existsSync(golden), `${golden} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(typedefs).toEqual(JSON.parse(readFileSync(golden, "utf8")));
  });

  it("resolve every default without a warning", () => {
    expect(warnings).toBe("");
  });

  it("name the main object after the module and describe the module", () => {
    expect(typedefs.name).toBe("Multiarch");
    expect(Object.keys(typedefs.objects)).toContain("Multiarch");
    expect(typedefs.description).toMatch(/^Build one container per CPU platform/);
  });

  it("document every object, function, field, argument and enum member", () => {
    const undocumented: string[] = [];
    const check = (where: string, description: string | undefined) => {
      if (description === undefined || description.trim() === "") undocumented.push(where);
    };
    for (const obj of Object.values(typedefs.objects)) {
      check(obj.name, obj.description);
      for (const [name, field] of Object.entries(obj.properties)) {
        if (field.isExposed) check(`${obj.name}.${name}`, field.description);
      }
      for (const fn of Object.values(obj.methods)) {
        check(`${obj.name}.${fn.name}()`, fn.description);
        for (const arg of Object.values(fn.arguments))
          check(`${obj.name}.${fn.name}(${arg.name})`, arg.description);
      }
    }
    for (const [name, e] of Object.entries(typedefs.enums)) {
      check(name, e.description);
      for (const [member, value] of Object.entries(e.values))
        check(`${name}.${member}`, value.description);
    }
    expect(undocumented).toEqual([]);
  });

  it("default to the library's own defaults", () => {
    const fns = Object.values(typedefs.objects).flatMap((o) => Object.values(o.methods));
    const arg = (fn: string, name: string) =>
      fns.find((f) => f.name === fn)?.arguments[name]?.defaultValue;
    // The functions that build: the library's default platforms and Dockerfile.
    for (const fn of ["withEmulation", "publish", "build"]) {
      expect(arg(fn, "platforms"), fn).toEqual([...DEFAULT_PLATFORMS]);
    }
    for (const fn of ["buildPlatform", "publish", "build"]) {
      expect(arg(fn, "dockerfile"), fn).toBe(DEFAULT_DOCKERFILE);
    }
    // verify's platforms are what the index must hold: none given means whatever it holds.
    expect(arg("verify", "platforms")).toEqual([]);
  });
});
