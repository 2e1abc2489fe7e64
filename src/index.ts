/**
 * Public API of the multiarch SDK.
 */
export * from "./errors.js";
export * from "./platform.js";
