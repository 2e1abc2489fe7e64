/**
 * Imports ExecError as a value from "@dagger.io/dagger", as src/build.ts does. Under Dagger's
 * module runtime that name does not exist (the module library exports only the module API and
 * the generated client), so this module must fail to load on the test bed too.
 */
import { ExecError, func, object } from "@dagger.io/dagger";

@object()
export class Execerror {
  @func()
  isExecError(): boolean {
    return new Error("x") instanceof ExecError;
  }
}
