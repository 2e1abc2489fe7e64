/**
 * The test bed's smoke module: proves the bed's TypeScript runtime loads and runs a module.
 */
import { dag, func, object, type Platform } from "@dagger.io/dagger";

@object()
export class Smoke {
  /**
   * A greeting: no container involved
   */
  @func()
  hello(name = "test bed"): string {
    return `hello, ${name}`;
  }

  /**
   * The machine busybox reports on linux/arm64 (runs under QEMU on an x86_64 host)
   */
  @func({ cache: "never" })
  async unameOnArm(): Promise<string> {
    return (
      await dag
        .container({ platform: "linux/arm64" as Platform })
        .from("busybox")
        .withEnvVariable("CALLED_AT", `${Date.now()}`)
        .withExec(["uname", "-m"])
        .stdout()
    ).trim();
  }

  /**
   * GET http://ADDR/v2/ from a container this function starts (ADDR: host:port)
   */
  @func({ cache: "never" })
  async registryGet(addr: string): Promise<string> {
    return dag
      .container()
      .from("busybox")
      .withEnvVariable("CALLED_AT", `${Date.now()}`)
      .withExec(["sh", "-c", `wget -q -S -O - "http://${addr}/v2/" 2>&1 || true`])
      .stdout();
  }
}
