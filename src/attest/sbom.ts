/**
 * An SBOM per platform from a real generator, syft, run on this machine against the platform's
 * manifest in the registry (it reads the layers itself; nothing is exported first). The document
 * is SPDX 2.3 JSON; syft's own version and the image are recorded in it.
 */
import { execFile } from "node:child_process";
import { ErrorCode, MultiarchError, redact } from "../common/errors.js";
import { MediaType } from "../registry/media-types.js";

/** syft's program: $MULTIARCH_SYFT, else `syft` on PATH. */
export function syftProgram(env: NodeJS.ProcessEnv = process.env): string {
  const given = env["MULTIARCH_SYFT"];
  return given !== undefined && given !== "" ? given : "syft";
}

export const SBOM_MEDIA_TYPE = MediaType.SPDX_JSON;

/** The most bytes of SBOM read from syft (a big image lists many thousands of packages). */
const MAX_SBOM_BYTES = 256 * 1024 * 1024;

export interface SbomTarget {
  /** `host[:port]`. */
  readonly registry: string;
  readonly repository: string;
  /** The platform's image manifest. */
  readonly digest: string;
  readonly platform: string;
  readonly plainHttp: boolean;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

/**
 * syft's SPDX JSON for one platform's image.
 * @throws MultiarchError ATTESTATION_FAILED when syft is missing or fails
 */
export async function generateSbom(
  target: SbomTarget,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Buffer> {
  const program = syftProgram(env);
  const image = `${target.registry}/${target.repository}@${target.digest}`;
  const secrets = target.password === undefined ? [] : [target.password];
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    SYFT_CHECK_FOR_APP_UPDATE: "false",
    ...(target.plainHttp ? { SYFT_REGISTRY_INSECURE_USE_HTTP: "true" } : {}),
    ...(target.username === undefined || target.password === undefined
      ? {}
      : {
          SYFT_REGISTRY_AUTH_AUTHORITY: target.registry,
          SYFT_REGISTRY_AUTH_USERNAME: target.username,
          SYFT_REGISTRY_AUTH_PASSWORD: target.password,
        }),
  };
  const args = [
    "scan",
    `registry:${image}`,
    "--platform",
    target.platform,
    "-o",
    "spdx-json",
    "-q",
  ];
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      { env: childEnv, encoding: "buffer", maxBuffer: MAX_SBOM_BYTES },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve(stdout);
          return;
        }
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        reject(
          new MultiarchError(
            ErrorCode.ATTESTATION_FAILED,
            missing
              ? `--sbom needs syft, the SBOM generator, and ${program} was not found.`
              : `syft could not make the SBOM of ${image} (${target.platform}).`,
            {
              platform: target.platform,
              given: program,
              ...(missing
                ? {
                    hint: "install syft (go install github.com/anchore/syft/cmd/syft@v1.57.1) on PATH or name it in MULTIARCH_SYFT; or publish without --sbom",
                  }
                : {
                    stderr: redact(stderr.toString("utf8"), secrets),
                    ...(typeof error.code === "number" ? { exitCode: error.code } : {}),
                    hint: "syft's own message is above; nothing was tagged",
                  }),
              cause: error,
              secrets,
            },
          ),
        );
      },
    );
  });
}
