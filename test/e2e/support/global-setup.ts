// Runs once before the engine tests: no engine test starts against a bed that is down.
import { assertTestbedUp } from "./testbed.js";

export default function setup(): void {
  assertTestbedUp();
}
