import { describe, expect, test } from "vitest";
import { parseChallenge, type AuthChallenge } from "../../../src/registry/challenge.js";

describe("parseChallenge", () => {
  test.each<{ header: string; want: AuthChallenge[] }>([
    // What distribution's htpasswd auth sends (the test bed's auth registry).
    {
      header: 'Basic realm="multiarch-testbed"',
      want: [{ scheme: "basic", params: { realm: "multiarch-testbed" } }],
    },
    // Docker Hub / ghcr style token auth.
    {
      header:
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      want: [
        {
          scheme: "bearer",
          params: {
            realm: "https://auth.docker.io/token",
            service: "registry.docker.io",
            scope: "repository:library/busybox:pull",
          },
        },
      ],
    },
    // Scheme and parameter names are case-insensitive; values keep their case.
    {
      header: 'BEARER Realm="https://Auth.example/Token", Service=Reg',
      want: [{ scheme: "bearer", params: { realm: "https://Auth.example/Token", service: "Reg" } }],
    },
    // Commas inside quoted values do not split parameters.
    {
      header: 'Bearer realm="https://a/t",scope="repository:x:pull,push"',
      want: [
        { scheme: "bearer", params: { realm: "https://a/t", scope: "repository:x:pull,push" } },
      ],
    },
    // Escapes inside quoted strings.
    {
      header: 'Basic realm="say \\"hi\\" \\\\ bye"',
      want: [{ scheme: "basic", params: { realm: 'say "hi" \\ bye' } }],
    },
    // Several challenges in one value (fetch joins repeated headers with ", ").
    {
      header: 'Basic realm="r1", Bearer realm="https://a/t",service="s"',
      want: [
        { scheme: "basic", params: { realm: "r1" } },
        { scheme: "bearer", params: { realm: "https://a/t", service: "s" } },
      ],
    },
    // A scheme with no parameters, then another challenge.
    {
      header: "Negotiate, Basic realm=x",
      want: [
        { scheme: "negotiate", params: {} },
        { scheme: "basic", params: { realm: "x" } },
      ],
    },
    // A token68 credential blob.
    {
      header: "Negotiate YII=, Basic realm=x",
      want: [
        { scheme: "negotiate", params: { token68: "YII=" } },
        { scheme: "basic", params: { realm: "x" } },
      ],
    },
    // Whitespace around '=' and separators.
    {
      header: '  Bearer   realm = "https://a/t" ,  service = s  ',
      want: [{ scheme: "bearer", params: { realm: "https://a/t", service: "s" } }],
    },
    // Empty and garbage headers yield no (or partial) challenges rather than throwing.
    { header: "", want: [] },
    { header: " , ", want: [] },
    // By RFC 7235's grammar this is a token68, not an empty parameter.
    { header: "Basic realm=", want: [{ scheme: "basic", params: { token68: "realm=" } }] },
    { header: "Basic realm=,", want: [{ scheme: "basic", params: { token68: "realm=" } }] },
    { header: "Basic realm=@", want: [{ scheme: "basic", params: {} }] },
    {
      header: 'Basic realm="unterminated',
      want: [{ scheme: "basic", params: { realm: "unterminated" } }],
    },
  ])("$header", ({ header, want }) => {
    expect(parseChallenge(header)).toEqual(want);
  });
});
