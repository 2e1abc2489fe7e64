/**
 * A module made by `dagger init --sdk=typescript` on the test bed.
 */
import { dag, object, func } from "@dagger.io/dagger";

@object()
export class ModuleName {
  /**
   * Returns a greeting
   */
  @func()
  hello(name = "world"): string {
    return `hello, ${name}`;
  }

  /**
   * Returns the machine name busybox reports
   */
  @func()
  async arch(): Promise<string> {
    return dag.container().from("busybox").withExec(["uname", "-m"]).stdout();
  }
}
