import { describe, expect, it } from "vitest";
import { wantsTelemetry } from "../../../src/engine/sdk.js";

describe("wantsTelemetry: when the SDK's own connection() (with OpenTelemetry) must run", () => {
  it("is false with no OTEL_* variable and no trace to join", () => {
    expect(wantsTelemetry({ PATH: "/usr/bin", HOME: "/root" })).toBe(false);
  });
  it("is true with any OTEL_* variable, as the SDK itself decides", () => {
    expect(wantsTelemetry({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })).toBe(true);
  });
  it("is true with a TRACEPARENT to join", () => {
    expect(
      wantsTelemetry({ TRACEPARENT: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" }),
    ).toBe(true);
    expect(wantsTelemetry({ TRACEPARENT: "" })).toBe(false);
  });
});
