// The GitLab CI example (examples/gitlab-ci/.gitlab-ci.yml) checked offline: validated against
// GitLab's own CI schema (as the gitlab-ci-local package ships it) with Ajv, and its multiarch
// command lines accepted by the CLI's real parser.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { parseCli } from "../../../src/cli/args.js";
import { REPO_ROOT } from "../../support/run-cli.js";

const EXAMPLE = join(REPO_ROOT, "examples", "gitlab-ci", ".gitlab-ci.yml");

// ajv-formats is CommonJS: its default export is the plugin (typed as the module).
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** GitLab's CI schema (draft-07), unmodified; gitlab-ci-local carries it as a module. */
async function gitlabCiSchema(): Promise<object> {
  const path = createRequire(import.meta.url).resolve("gitlab-ci-local/src/schema/schema.js");
  const { schema } = (await import(pathToFileURL(path).href)) as { schema: object };
  return schema;
}

let validate: ValidateFunction;
beforeAll(async () => {
  // Not Ajv's strict mode: that lints the schema's own style (editor hints, `required` without
  // `properties` in a oneOf branch), which is GitLab's, not ours; validation is unchanged.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  validate = ajv.compile(await gitlabCiSchema());
});

/** Ajv's errors, one per line, for a failure message. */
const errorsOf = (fn: ValidateFunction) =>
  (fn.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`).join("\n");

describe("examples/gitlab-ci/.gitlab-ci.yml", () => {
  const example = parseYaml(readFileSync(EXAMPLE, "utf8")) as Record<string, unknown>;

  test("is valid against GitLab's CI schema", () => {
    const ok = validate(example);
    expect(errorsOf(validate)).toBe("");
    expect(ok).toBe(true);
  });

  test("the schema check fails a broken job (a misspelt keyword, a script that is a number)", () => {
    const job = example["publish-image"] as Record<string, unknown>;
    expect(validate({ ...example, "publish-image": { ...job, scirpt: job["script"] } })).toBe(
      false,
    );
    expect(validate({ ...example, "publish-image": { ...job, script: 42 } })).toBe(false);
  });

  test("every multiarch command line in it is accepted by the CLI's parser", () => {
    const job = example["publish-image"] as { script: string[] };
    const commands = job.script.filter((line) => line.startsWith("npx multiarch "));
    expect(commands.map((c) => c.split(" ")[2])).toEqual(["publish", "verify"]);
    // GitLab's predefined variables, as a pipeline for a tag would set them.
    const env: Record<string, string> = {
      CI_REGISTRY_IMAGE: "registry.gitlab.com/acme/app",
      CI_COMMIT_TAG: "v1.2.3",
      CI_COMMIT_SHORT_SHA: "0123abcd",
      CI_COMMIT_SHA: "0123abcd0123abcd0123abcd0123abcd0123abcd",
      CI_PROJECT_URL: "https://gitlab.com/acme/app",
      PLATFORMS: String((example["variables"] as Record<string, string>)["PLATFORMS"]),
    };
    const [publish, verify] = commands.map((command) =>
      parseCli(shellWords(command, env).slice(2), { env, cwd: REPO_ROOT }),
    );
    // It pushes what its comments say: both tags of the project's image, both platforms.
    expect(publish).toMatchObject({
      kind: "publish",
      platforms: ["linux/amd64", "linux/arm64"],
      destination: {
        kind: "push",
        targets: [{ repository: "registry.gitlab.com/acme/app", tags: ["v1.2.3", "latest"] }],
      },
    });
    expect(verify).toMatchObject({ kind: "verify" });
  });
});

/**
 * The words of a one-line shell command in the example's simple style: words split by blanks,
 * "double quotes" keep blanks, $VAR / ${VAR} / ${A:-B} expand from `env`.
 */
function shellWords(line: string, env: Record<string, string>): string[] {
  const expand = (text: string) =>
    text.replace(
      /\$\{(\w+)(?::-\$?(\w+))?\}|\$(\w+)/g,
      (_, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
        const name = braced ?? bare ?? "";
        return env[name] ?? (fallback === undefined ? "" : (env[fallback] ?? ""));
      },
    );
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => expand(m[1] ?? m[2] ?? ""));
}
