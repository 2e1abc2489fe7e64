import { describe, expect, it } from "vitest";
import { baseImageReferences } from "../../../src/attest/base-images.js";
import { withoutCredentials } from "../../../src/attest/builder.js";

describe("baseImageReferences", () => {
  it("lists each FROM image once, not stages or scratch, build args substituted", async () => {
    const dockerfile = [
      "# syntax=docker/dockerfile:1",
      "ARG BASE=debian:bookworm",
      "ARG GO=1.26",
      "FROM --platform=$BUILDPLATFORM golang:${GO} AS build",
      "RUN go build ./...",
      "FROM ${BASE} AS runtime-base",
      "FROM runtime-base",
      "COPY --from=build /out /out",
      "FROM scratch AS empty",
      "RUN <<EOF",
      "FROM inside-a-heredoc",
      "EOF",
      "FROM \\",
      "  golang:${GO}",
    ].join("\n");
    expect(await baseImageReferences(dockerfile)).toEqual(["golang:1.26", "debian:bookworm"]);
    expect(await baseImageReferences(dockerfile, { BASE: "alpine:3" })).toEqual([
      "golang:1.26",
      "alpine:3",
    ]);
  });
});

describe("withoutCredentials", () => {
  it("drops user and token from a remote URL; keeps scp-like remotes", () => {
    expect(withoutCredentials("https://bob:ghp_secret@github.com/acme/app.git")).toBe(
      "https://github.com/acme/app.git",
    );
    expect(withoutCredentials("git@github.com:acme/app.git")).toBe("git@github.com:acme/app.git");
    expect(withoutCredentials("not a url")).toBeUndefined();
  });
});
