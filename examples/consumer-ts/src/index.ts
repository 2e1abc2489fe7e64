/**
 * Another team's module, in TypeScript: it depends on multiarch by path (dagger.json) and
 * composes its functions with a pipeline of its own, no Dockerfile: withEmulation, then one
 * container per platform, then publishIndex.
 */
import { dag, func, object, type Container, type Platform } from "@dagger.io/dagger";

@object()
export class ConsumerTs {
  /**
   * Publish a small image for every platform as one index; returns the index digest.
   */
  @func({ cache: "never" })
  async publish(
    /** Where to push: registry/repository[:tag]. */
    address: string,
    /** Target platforms. */
    platforms: string[] = ["linux/amd64", "linux/arm64", "linux/s390x"],
    /** Talk to the registry over plain HTTP. */
    plainHttp: boolean = false,
  ): Promise<string> {
    const multiarch = dag.multiarch().withEmulation({ platforms });
    const variants: Container[] = platforms.map((platform) =>
      dag
        .container({ platform: platform as Platform })
        .from("busybox:latest")
        .withExec(["sh", "-c", "uname -m > /built-on"])
        .withNewFile("/hello", `hello from ${platform}, built by consumer-ts\n`)
        .withEntrypoint(["cat", "/hello", "/built-on"]),
    );
    return multiarch.publishIndex(variants, address, { plainHttp }).digest();
  }
}
