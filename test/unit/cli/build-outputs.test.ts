// What a publish leaves for the tools around it: buildx's metadata keys, $GITHUB_OUTPUT lines,
// and the ignore rules that keep a Dockerfile placed from outside the context out of COPY.
import { describe, expect, test } from "vitest";
import { insidePath, placedIgnore, uploadExcludes } from "../../../src/cli/build-context.js";
import { buildMetadata, githubOutputLines } from "../../../src/cli/build-metadata.js";

const digest = `sha256:${"c".repeat(64)}`;
const result = {
  digest,
  size: 547,
  mediaType: "application/vnd.oci.image.index.v1+json",
  refs: [`127.0.0.1:5000/app:1@${digest}`, `127.0.0.1:5001/b/app:latest@${digest}`],
};

describe("buildMetadata", () => {
  test("buildx's keys: the index digest and descriptor, every pushed name comma-joined", () => {
    expect(buildMetadata(result)).toEqual({
      "containerimage.descriptor": {
        mediaType: "application/vnd.oci.image.index.v1+json",
        digest,
        size: 547,
      },
      "containerimage.digest": digest,
      "image.name": "127.0.0.1:5000/app:1,127.0.0.1:5001/b/app:latest",
    });
  });

  test("GITHUB_OUTPUT: digest, imageid (the index, as build-push-action sets for one), metadata", () => {
    const lines = githubOutputLines(buildMetadata(result)).split("\n");
    expect(lines[0]).toBe(`digest=${digest}`);
    expect(lines[1]).toBe(`imageid=${digest}`);
    expect(JSON.parse(lines[2]?.replace(/^metadata=/, "") ?? "")).toEqual(buildMetadata(result));
    expect(lines[3]).toBe("");
  });
});

describe("a Dockerfile from outside the context", () => {
  test("insidePath", () => {
    expect(insidePath("/ctx", "/ctx/build/Containerfile")).toBe("build/Containerfile");
    expect(insidePath("/ctx", "/build/Containerfile")).toBeUndefined();
    expect(insidePath("/ctx", "/ctx2/Dockerfile")).toBeUndefined();
  });

  test("the user's rules, then the placed files", () => {
    expect(placedIgnore(undefined, ".p")).toBe(".p\n.p.dockerignore\n");
    expect(placedIgnore("*.log\n!keep.log", ".p")).toBe("*.log\n!keep.log\n.p\n.p.dockerignore\n");
    expect(placedIgnore("*.log\n", ".p")).toBe("*.log\n.p\n.p.dockerignore\n");
  });
});

describe("uploadExcludes: .dockerignore applied to the upload", () => {
  test("comments, blanks and leading slashes dropped; the files the engine reads kept", () => {
    expect(
      uploadExcludes("# secrets\n\n/secret.env\n  *.log  \n!keep.log\n! /also\n", [
        ".dockerignore",
        "Dockerfile",
      ]),
    ).toEqual(["secret.env", "*.log", "!keep.log", "!also", "!.dockerignore", "!Dockerfile"]);
  });

  test("no rules: nothing excluded (and nothing re-included)", () => {
    expect(uploadExcludes(undefined, ["Dockerfile"])).toEqual([]);
    expect(uploadExcludes("# only a comment\n", ["Dockerfile"])).toEqual([]);
  });
});
