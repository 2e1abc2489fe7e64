/**
 * Docker's client configuration (`config.json`, as `docker login` and CI login steps write it):
 * which credentials it holds for a registry, found as the docker CLI finds them. Pure: the file's
 * text in, where the credentials are out; reading the file and running helpers is in
 * docker-credentials.ts.
 *
 * The docker CLI's order, kept here: a credential helper named for the registry (`credHelpers`),
 * else the default store (`credsStore`) for every registry, else the file's own `auths` entry.
 * With a helper configured, the `auths` entry is not read (Docker keeps only an empty marker
 * there).
 */
import { z } from "zod";
import { ErrorCode, MultiarchError } from "../common/errors.js";
import { DOCKER_HUB } from "./reference.js";

/** The key Docker stores Docker Hub's credentials under, and asks helpers for. */
export const DOCKER_HUB_SERVER = "https://index.docker.io/v1/";
/** Names Docker Hub goes by in config keys. */
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  DOCKER_HUB,
  "index.docker.io",
  "registry-1.docker.io",
]);
/** What a credential helper answers as the user name when the secret is an identity token. */
export const IDENTITY_TOKEN_USER = "<token>";

const authEntrySchema = z.object({
  /** base64 of `user:password`. */
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  /** An OAuth2 refresh token (Docker's identity token), for registries that issue them. */
  identitytoken: z.string().optional(),
});

// A helper's name becomes part of a program name: `docker-credential-<name>`.
const helperName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a credential helper's name");

const dockerConfigSchema = z.object({
  auths: z.record(z.string(), authEntrySchema).optional(),
  credsStore: helperName.or(z.literal("")).optional(),
  credHelpers: z.record(z.string(), helperName).optional(),
});

export type DockerConfig = z.output<typeof dockerConfigSchema>;

/** Credentials for one registry, as the registry takes them. */
export type RegistryCredentials =
  | { readonly kind: "password"; readonly username: string; readonly password: string }
  /** Docker's identity token: a refresh token exchanged at the registry's token service. */
  | { readonly kind: "identity-token"; readonly token: string };

/** Where a registry's credentials are, per the config. */
export type CredentialSource =
  | {
      readonly kind: "helper";
      /** The program is `docker-credential-<helper>`. */
      readonly helper: string;
      /** What the helper is asked for (the server URL Docker stores them under). */
      readonly serverUrl: string;
      readonly configuredBy: "credHelpers" | "credsStore";
    }
  | { readonly kind: "entry"; readonly key: string; readonly credentials: RegistryCredentials };

/**
 * The registry host a config key or image registry names, as Docker compares them: any
 * `http://`/`https://` prefix and path dropped, lower-cased, Docker Hub's names made one.
 */
export function registryHost(key: string): string {
  const host = (key.replace(/^https?:\/\//i, "").split("/")[0] ?? "").toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

/**
 * Parse config.json's text.
 * @param file its path, for messages
 * @throws MultiarchError INVALID_INPUT when it is not JSON or its credential fields are malformed
 */
export function parseDockerConfig(text: string, file: string): DockerConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new MultiarchError(ErrorCode.INVALID_INPUT, `The Docker config ${file} is not JSON.`, {
      cause,
      expected: 'the JSON `docker login` writes, e.g. {"auths": {...}}',
      hint: "fix or remove the file, or point DOCKER_CONFIG at another directory",
    });
  }
  const parsed = dockerConfigSchema.safeParse(json);
  if (!parsed.success) {
    // Only paths and messages: the values may be secrets.
    const where = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "(top)"}: ${issue.message}`)
      .join("; ");
    throw new MultiarchError(
      ErrorCode.INVALID_INPUT,
      `The Docker config ${file} has malformed credential fields (${where}).`,
      {
        expected:
          "auths: {host: {auth | username, password | identitytoken}}, credsStore: name, credHelpers: {host: name}",
      },
    );
  }
  return parsed.data;
}

/**
 * Where the config keeps `registry`'s credentials, if anywhere.
 * @param registry `host[:port]` as in an image reference (`docker.io` for Docker Hub)
 * @throws MultiarchError INVALID_INPUT for an `auth` field that is not base64 of `user:password`
 */
export function credentialSource(
  config: DockerConfig,
  registry: string,
  file: string,
): CredentialSource | undefined {
  const host = registryHost(registry);
  const serverUrl = host === DOCKER_HUB ? DOCKER_HUB_SERVER : host;
  const named = Object.entries(config.credHelpers ?? {}).find(
    ([key]) => registryHost(key) === host,
  );
  if (named !== undefined) {
    return { kind: "helper", helper: named[1], serverUrl, configuredBy: "credHelpers" };
  }
  if (config.credsStore !== undefined && config.credsStore !== "") {
    return { kind: "helper", helper: config.credsStore, serverUrl, configuredBy: "credsStore" };
  }
  // An exact key first, as Docker looks, then any key naming the same host.
  const auths = Object.entries(config.auths ?? {});
  const entry =
    auths.find(([key]) => key === registry || key === serverUrl) ??
    auths.find(([key]) => registryHost(key) === host);
  if (entry === undefined) return undefined;
  const [key, fields] = entry;
  const credentials = entryCredentials(fields, `${file}: auths[${JSON.stringify(key)}]`);
  return credentials === undefined ? undefined : { kind: "entry", key, credentials };
}

/** An `auths` entry's credentials; undefined for an empty entry (a helper's marker). */
function entryCredentials(
  fields: z.output<typeof authEntrySchema>,
  where: string,
): RegistryCredentials | undefined {
  if (fields.identitytoken !== undefined && fields.identitytoken !== "") {
    return { kind: "identity-token", token: fields.identitytoken };
  }
  let { username = "", password = "" } = fields;
  if (fields.auth !== undefined && fields.auth !== "") {
    const decoded = Buffer.from(fields.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) {
      throw new MultiarchError(
        ErrorCode.INVALID_INPUT,
        `${where}.auth is not base64 of user:password.`,
        {
          secrets: [fields.auth, decoded],
          hint: "log in again (docker login), or write base64 of user:password",
        },
      );
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (username === "" && password === "") return undefined;
  return helperAnswer(username, password);
}

/**
 * Credentials from a user name and secret as Docker stores them: the user `<token>` means the
 * secret is an identity token.
 */
export function helperAnswer(username: string, secret: string): RegistryCredentials {
  return username === IDENTITY_TOKEN_USER
    ? { kind: "identity-token", token: secret }
    : { kind: "password", username, password: secret };
}
