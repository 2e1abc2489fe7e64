/** The shells `multiarch completion` writes a script for (apart, so parsing needs no script). */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];
