// Runs in the test worker: points @dagger.io/dagger and our code at the test bed.
import { testbedEnv } from "./testbed.js";

Object.assign(process.env, testbedEnv());
