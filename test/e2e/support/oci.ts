// Reading what a registry serves with clients we did not write: skopeo and umoci.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Creds {
  readonly username: string;
  readonly password: string;
}

function skopeo(args: string[]): Buffer {
  return execFileSync("skopeo", args, { stdio: ["ignore", "pipe", "pipe"] });
}

function credArgs(flag: string, creds?: Creds): string[] {
  return creds === undefined ? [] : [flag, `${creds.username}:${creds.password}`];
}

export interface RawManifest {
  readonly digest: string;
  /** Bytes served. */
  readonly size: number;
  readonly json: {
    mediaType?: string;
    annotations?: Record<string, string>;
    manifests?: {
      digest: string;
      mediaType: string;
      platform?: { os: string; architecture: string; variant?: string };
    }[];
  };
}

/** `skopeo inspect --raw`: the manifest exactly as served, and the digest of those bytes. */
export function inspectRaw(ref: string, creds?: Creds): RawManifest {
  const bytes = skopeo([
    "inspect",
    "--raw",
    "--tls-verify=false",
    ...credArgs("--creds", creds),
    `docker://${ref}`,
  ]);
  return {
    digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
    size: bytes.length,
    json: JSON.parse(bytes.toString("utf8")) as RawManifest["json"],
  };
}

/** True when the registry serves `ref` (a tag or digest). */
export function exists(ref: string, creds?: Creds): boolean {
  try {
    inspectRaw(ref, creds);
    return true;
  } catch {
    return false;
  }
}

/** `os/arch[/variant]` of every entry of an index. */
export function indexPlatforms(raw: RawManifest): string[] {
  return (raw.json.manifests ?? []).map(({ platform: p }) =>
    p === undefined ? "none" : [p.os, p.architecture, p.variant].filter(Boolean).join("/"),
  );
}

/**
 * Files from one platform's image, as the registry serves it: skopeo copies that platform's
 * image into an OCI layout, umoci unpacks its layers. Bytes, for binaries.
 */
export function readImageBytes(ref: string, platform: string, paths: readonly string[]): Buffer[] {
  const [os = "linux", arch = "", variant] = platform.split("/");
  const dir = mkdtempSync(join(tmpdir(), "multiarch-oci-"));
  try {
    skopeo([
      "copy",
      "--src-tls-verify=false",
      "--override-os",
      os,
      "--override-arch",
      arch,
      ...(variant === undefined ? [] : ["--override-variant", variant]),
      `docker://${ref}`,
      `oci:${join(dir, "layout")}:img`,
    ]);
    execFileSync(
      "umoci",
      ["unpack", "--image", `${join(dir, "layout")}:img`, join(dir, "bundle")],
      {
        stdio: "pipe",
      },
    );
    return paths.map((p) => readFileSync(join(dir, "bundle", "rootfs", p)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Like readImageBytes, decoded as UTF-8, for text files. */
export function readImageFiles(ref: string, platform: string, paths: readonly string[]): string[] {
  return readImageBytes(ref, platform, paths).map((bytes) => bytes.toString("utf8"));
}

/** A repository name no other test run uses. */
export function uniqueRepo(prefix: string): string {
  return `multiarch-test/${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
