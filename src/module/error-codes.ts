/**
 * Errors as `dagger call` shows them. Dagger's module runtime passes a thrown error's message
 * on, and nothing else: our code and details would be lost. A function marked with this
 * decorator fails with `CODE: message` (the message already holds given / expected / hint and,
 * redacted, the failing step's stderr), so a shell or another module can see and test the code.
 */
import { isMultiarchError } from "../common/errors.js";

/** Prefix a MultiarchError's message with its code; other errors pass unchanged. */
export function withCode(error: unknown): unknown {
  if (!isMultiarchError(error)) return error;
  return new Error(`${error.code}: ${error.message}`, { cause: error });
}

/** Method decorator: the method's failures carry their error code in the message. */
export function reportsErrorCodes() {
  return (_target: object, _name: string, descriptor: PropertyDescriptor): void => {
    const method = descriptor.value as (...args: unknown[]) => unknown;
    descriptor.value = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
      try {
        return await method.apply(this, args);
      } catch (error) {
        throw withCode(error);
      }
    };
  };
}
