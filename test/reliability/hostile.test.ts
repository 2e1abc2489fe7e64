// Hostile input, bounded (issue 12, item 5): a registry of our own on 127.0.0.1 that answers
// badly on purpose (5xx, resets, slow and truncated bodies, a wrong Docker-Content-Digest,
// manifests over 4 MiB, malformed JSON, an unknown media type, an index of 1,000 entries) and
// serves hostile layers to verify (gzip and zstd bombs, `../` and absolute paths, symlink
// escapes, hard links to missing files). Each case runs our code (verify or readIndex) in a
// process of its own (support/hostile-child.ts), so its peak RSS is its own, and must end in a
// MultiarchError with the expected code or in the expected result: never a crash, an uncoded
// error or a hang, nothing written outside the layer cache folder, memory bounded.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createGzip } from "node:zlib";
import { Header, type HeaderData } from "tar";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sha256Digest } from "../../src/registry/digest.js";
import { MediaType } from "../../src/registry/media-types.js";
import type { HostileCall, HostileOutcome } from "./support/hostile-child.js";
import { recordSection } from "./support/results.js";

const CHILD = fileURLToPath(new URL("./support/hostile-child.ts", import.meta.url));
/** tsx's loader, by path: the child's working folder is a fresh one, outside the repository. */
const TSX = createRequire(import.meta.url).resolve("tsx");
const MIB = 1024 * 1024;
/** What the bombs decompress to. */
const BOMB_BYTES = 1024 * MIB;
/** What the oversized manifests would be, were they read whole. */
const HUGE_MANIFEST_BYTES = 1024 * MIB;
/** A case's process may not grow past this, whatever it was given (the bombs are 1 GiB). */
const RSS_LIMIT_MIB = 400;
/** A case that takes longer is a hang, counted as a crash. */
const CASE_TIMEOUT_MS = 120_000;

/** Where hostile layers try to write: a fresh absolute path no case may create. */
const ESCAPE = join(tmpdir(), `multiarch-hostile-escape-${randomBytes(6).toString("hex")}`);
/** The same place, reached with `../` from inside an image's root. */
const DOTDOT = `${"../".repeat(12)}${ESCAPE.slice(1)}`;

// --- the hostile registry ------------------------------------------------------------------------

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** `repo/manifests/ref` or `repo/blobs/digest` → how it is answered. */
const routes = new Map<string, Handler>();
/** Body bytes the registry handed to the network, by route: what a refusal saved. */
const served = new Map<string, number>();

function startRegistry(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/v2/" || path === "/v2") return json(res, {});
    const handler = routes.get(path.slice("/v2/".length));
    if (handler !== undefined) return handler(req, res);
    res.writeHead(404, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "unknown" }] }));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Answer with `bytes` (HEAD: the headers only). */
function bytesAnswer(bytes: Buffer, headers: Record<string, string> = {}): Handler {
  return (req, res) => {
    res.writeHead(200, { "Content-Length": String(bytes.length), ...headers });
    res.end(req.method === "HEAD" ? undefined : bytes);
  };
}

/** `total` bytes of spaces, `declared` or chunked, written as fast as the reader takes them. */
function endlessAnswer(key: string, total: number, declared: boolean): Handler {
  return (req, res) => {
    res.writeHead(200, {
      "Content-Type": MediaType.OCI_INDEX,
      ...(declared ? { "Content-Length": String(total) } : {}),
    });
    if (req.method === "HEAD") return void res.end();
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !res.destroyed) {
        sent += chunk.length;
        served.set(key, (served.get(key) ?? 0) + chunk.length);
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  };
}

interface Image {
  readonly repository: string;
  readonly tag: string;
}

/** Store a manifest under its digest (and `tag`), answered by `answer` (default: as is). */
function putManifest(
  repository: string,
  bytes: Buffer,
  mediaType: string,
  tag?: string,
  answer: Handler = bytesAnswer(bytes, {
    "Content-Type": mediaType,
    "Docker-Content-Digest": sha256Digest(bytes),
  }),
): string {
  const digest = sha256Digest(bytes);
  routes.set(`${repository}/manifests/${digest}`, answer);
  if (tag !== undefined) routes.set(`${repository}/manifests/${tag}`, answer);
  return digest;
}

function putBlob(repository: string, bytes: Buffer): string {
  const digest = sha256Digest(bytes);
  routes.set(`${repository}/blobs/${digest}`, bytesAnswer(bytes));
  return digest;
}

const CONFIG = Buffer.from(
  JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }),
);

/** An image manifest of linux/amd64 with `layers`, stored in `repository`. */
function imageManifest(repository: string, layers: readonly Buffer[], note = ""): Buffer {
  const descriptor = (mediaType: string, bytes: Buffer) => ({
    mediaType,
    digest: putBlob(repository, bytes),
    size: bytes.length,
  });
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OCI_MANIFEST,
      config: descriptor(MediaType.OCI_CONFIG, CONFIG),
      layers: layers.map((l) => descriptor("application/vnd.oci.image.layer.v1.tar+gzip", l)),
      ...(note === "" ? {} : { annotations: { note } }),
    }),
  );
}

function indexOf(entries: readonly { digest: string; size: number }[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OCI_INDEX,
      manifests: entries.map((e) => ({
        mediaType: MediaType.OCI_MANIFEST,
        ...e,
        platform: { os: "linux", architecture: "amd64" },
      })),
    }),
  );
}

/** A one-platform index of one image of `layers`; `top` answers the index itself. */
function image(name: string, layers: readonly Buffer[], top?: (index: Buffer) => Handler): Image {
  const repository = `hostile/${name}`;
  const manifest = imageManifest(repository, layers);
  const digest = putManifest(repository, manifest, MediaType.OCI_MANIFEST);
  const index = indexOf([{ digest, size: manifest.length }]);
  putManifest(repository, index, MediaType.OCI_INDEX, "t", top?.(index));
  return { repository, tag: "t" };
}

/** verify, on the image's tag. */
function verifyCall(img: Image): Omit<HostileCall, "registry"> {
  return { kind: "verify", repository: img.repository, reference: img.tag };
}

// --- layers ----------------------------------------------------------------------------------------

/** One tar entry: its 512-byte header, then its data padded to 512. */
function tarEntry(data: HeaderData, content = Buffer.alloc(0)): Buffer {
  const header = new Header({ mode: 0o755, mtime: new Date(0), size: content.length, ...data });
  header.encode();
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header.block ?? Buffer.alloc(512), content, padding]);
}

function tar(...entries: Buffer[]): Buffer {
  return Buffer.concat([...entries, Buffer.alloc(1024)]);
}

/** The first bytes of a 64-bit little-endian aarch64 executable: wrong in a linux/amd64 image. */
const AARCH64_ELF = Buffer.from([
  0x7f,
  0x45,
  0x4c,
  0x46,
  2,
  1,
  1,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  2,
  0,
  0xb7,
  0,
  ...new Array<number>(44).fill(0),
]);

/**
 * Gzip, fed in chunks: a tar of one file of `size` zero bytes, never whole in memory; with
 * `declared` 0, a tar of one empty file followed by `size` zero bytes past its end.
 */
async function gzipBomb(size: number, declared = size): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => gzip.on("end", resolve));
  const write = (chunk: Buffer) =>
    new Promise<void>((resolve) => (gzip.write(chunk) ? resolve() : gzip.once("drain", resolve)));
  // The header alone (tarEntry is given no content); the zeros follow.
  await write(tarEntry({ path: "zeros", type: "File", size: declared }));
  const zeros = Buffer.alloc(MIB);
  // The file's zeros, then the two zero blocks that end a tar.
  for (let left = size + 1024; left > 0; left -= zeros.length) {
    await write(left >= zeros.length ? zeros : zeros.subarray(0, left));
  }
  gzip.end();
  await done;
  return Buffer.concat(out);
}

/**
 * A zstd frame of a tar of one file of `size` zero bytes: the header as a raw block, the zeros
 * as RLE blocks of 128 KiB (four bytes each). Written by hand, so no zstd tool is needed.
 */
function zstdBomb(size: number): Buffer {
  const block = (type: 0 | 1, length: number, last: boolean): Buffer => {
    const word = (length << 3) | (type << 1) | (last ? 1 : 0);
    return Buffer.from([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff]);
  };
  const header = tarEntry({ path: "zeros", type: "File", size });
  const headerBlock = header.subarray(0, 512);
  // Magic; frame header: no content size, not single-segment; window 128 KiB (2^(10+7)).
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])];
  parts.push(block(0, 512, false), headerBlock);
  const max = 128 * 1024;
  let left = size + 1024; // the file's zeros, then the two zero blocks that end a tar
  while (left > 0) {
    const n = Math.min(max, left);
    left -= n;
    parts.push(block(1, n, left === 0), Buffer.from([0]));
  }
  return Buffer.concat(parts);
}

// --- cases -----------------------------------------------------------------------------------------

interface Expected {
  /** The MultiarchError code the case must end in, with these details… */
  readonly code?: string;
  readonly status?: number;
  readonly operation?: string;
  /** …or a result, whose summary matches this. */
  readonly result?: RegExp;
  /** Text the error or the result must contain. */
  readonly text?: RegExp;
}

interface Case {
  readonly name: string;
  /** What the registry or the layer does, for the results page. */
  readonly what: string;
  readonly call: () => Omit<HostileCall, "registry">;
  readonly expected: Expected;
  /** Routes whose served bytes must stay far below what they would have sent. */
  readonly refusedUnread?: string;
}

interface Ran {
  readonly name: string;
  readonly what: string;
  readonly outcome: HostileOutcome | undefined;
  /** Why it counts as a crash (exit, signal, no answer, uncoded error); undefined when it did not. */
  readonly crash: string | undefined;
  readonly strayFiles: readonly string[];
}

const cases: Case[] = [];
const ran: Ran[] = [];
let registry = "";
let server: Server | undefined;
let sandbox = "";
let baselineKiB = 0;

function addCase(c: Case): void {
  cases.push(c);
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** Run one call in a child process whose home, working folder and cache are fresh folders. */
async function runChild(name: string, call: HostileCall): Promise<Omit<Ran, "what">> {
  const root = join(sandbox, name);
  const dirs = { home: join(root, "home"), work: join(root, "work"), cache: join(root, "cache") };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dirs.home,
    MULTIARCH_CACHE_DIR: dirs.cache,
  };
  delete env["XDG_CACHE_HOME"];
  const child = spawn(
    process.execPath,
    ["--import", pathToFileURL(TSX).href, CHILD, JSON.stringify(call)],
    {
      cwd: dirs.work,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), CASE_TIMEOUT_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("close", (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  let outcome: HostileOutcome | undefined;
  try {
    outcome = JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as HostileOutcome;
  } catch {
    outcome = undefined;
  }
  let crash: string | undefined;
  if (signal !== null) crash = `killed by ${signal}${signal === "SIGKILL" ? " (hung)" : ""}`;
  else if (code !== 0) crash = `exit ${code}: ${stderr.trim().split("\n").slice(-3).join(" ")}`;
  else if (outcome === undefined) crash = `no answer: ${stdout.slice(0, 200)}`;
  else if (outcome.ended === "uncoded") crash = `uncoded error: ${outcome.text.slice(0, 300)}`;
  // Only the layer cache may be written: layer reads, one JSON file per digest.
  const strayFiles = [
    ...filesUnder(dirs.home).map((f) => `~/${f}`),
    ...filesUnder(dirs.work).map((f) => `./${f}`),
    ...filesUnder(dirs.cache)
      .filter((f) => !/^layers\/v1-sha256-[0-9a-f]{64}\.json$/.test(f))
      .map((f) => `cache/${f}`),
    ...(existsSync(ESCAPE) ? [ESCAPE] : []),
  ];
  return { name, outcome, crash, strayFiles };
}

// Registry answers ------------------------------------------------------------------------------

addCase({
  name: "manifest-503",
  what: "every manifest request answered 503",
  call: () => {
    routes.set("hostile/503/manifests/t", (_req, res) => {
      res.writeHead(503, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: "try later" }] }));
    });
    return { kind: "verify", repository: "hostile/503", reference: "t" };
  },
  expected: { code: "REGISTRY_ERROR", status: 503, operation: "GET manifest" },
});

addCase({
  name: "manifest-reset",
  what: "every manifest request's connection reset before an answer",
  call: () => {
    routes.set("hostile/reset/manifests/t", (req) => req.socket.destroy());
    return { kind: "readIndex", repository: "hostile/reset", reference: "t" };
  },
  expected: { code: "REGISTRY_ERROR", operation: "GET manifest" },
});

addCase({
  name: "manifest-truncated",
  what: "the index's body cut off halfway (Content-Length promises more), every time",
  call: () => {
    const img = image("truncated", [tar()], (index) => (_req, res) => {
      res.writeHead(200, {
        "Content-Type": MediaType.OCI_INDEX,
        "Content-Length": String(index.length),
      });
      res.write(index.subarray(0, index.length >> 1));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    return verifyCall(img);
  },
  expected: { code: "REGISTRY_ERROR", operation: "GET manifest" },
});

addCase({
  name: "manifest-slow",
  what: "the index's body sent in 16 pieces, 150 ms apart",
  call: () => {
    const img = image("slow", [tar()], (index) => (req, res) => {
      res.writeHead(200, {
        "Content-Type": MediaType.OCI_INDEX,
        "Docker-Content-Digest": sha256Digest(index),
      });
      if (req.method === "HEAD") return void res.end();
      const step = Math.ceil(index.length / 16);
      let at = 0;
      const next = (): void => {
        if (res.destroyed) return;
        if (at >= index.length) return void res.end();
        res.write(index.subarray(at, at + step));
        at += step;
        setTimeout(next, 150);
      };
      next();
    });
    return verifyCall(img);
  },
  expected: { result: /verified: 1 platform/ },
});

/** An index served with a Docker-Content-Digest that is not its bytes'. */
function wrongDigest(): Image {
  return image("wrong-digest", [tar()], (index) =>
    bytesAnswer(index, {
      "Content-Type": MediaType.OCI_INDEX,
      "Docker-Content-Digest": `sha256:${"0".repeat(64)}`,
    }),
  );
}

addCase({
  name: "wrong-digest",
  what: "the index served with a Docker-Content-Digest that is not its bytes'",
  call: () => ({ kind: "verify", repository: wrongDigest().repository, reference: "t" }),
  expected: { code: "VERIFY_FAILED", text: /Docker-Content-Digest/ },
});

addCase({
  name: "wrong-digest-readIndex",
  what: "the same, read by readIndex (what `multiarch inspect` uses)",
  call: () => ({ kind: "readIndex", repository: wrongDigest().repository, reference: "t" }),
  expected: { code: "REGISTRY_ERROR", status: 200, operation: "GET manifest" },
});

addCase({
  name: "huge-declared",
  what: "an index of 1 GiB, Content-Length says so",
  call: () => {
    routes.set(
      "hostile/huge/manifests/declared",
      endlessAnswer("huge-declared", HUGE_MANIFEST_BYTES, true),
    );
    return { kind: "readIndex", repository: "hostile/huge", reference: "declared" };
  },
  expected: { code: "REGISTRY_ERROR", status: 200, operation: "GET manifest" },
  refusedUnread: "huge-declared",
});

addCase({
  name: "huge-chunked",
  what: "an index of 1 GiB, chunked (no Content-Length)",
  call: () => {
    routes.set(
      "hostile/huge/manifests/chunked",
      endlessAnswer("huge-chunked", HUGE_MANIFEST_BYTES, false),
    );
    return { kind: "verify", repository: "hostile/huge", reference: "chunked" };
  },
  expected: { code: "VERIFY_FAILED", text: /more than the 4194304 bytes/ },
  refusedUnread: "huge-chunked",
});

addCase({
  name: "malformed-json",
  what: "an index that is not JSON (cut off after its first bracket)",
  call: () => {
    const bytes = Buffer.from('{"schemaVersion": 2, "manifests": [');
    putManifest("hostile/malformed", bytes, MediaType.OCI_INDEX, "t");
    return { kind: "readIndex", repository: "hostile/malformed", reference: "t" };
  },
  expected: { code: "REGISTRY_ERROR", status: 200, operation: "GET manifest" },
});

addCase({
  name: "unknown-media-type",
  what: "a document of media type application/vnd.evil.v1+json",
  call: () => {
    const bytes = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.evil.v1+json", x: [] }),
    );
    putManifest("hostile/media-type", bytes, "application/vnd.evil.v1+json", "t");
    return { kind: "verify", repository: "hostile/media-type", reference: "t" };
  },
  expected: { code: "VERIFY_FAILED", text: /not an image index or image manifest/ },
});

/** 1,000 distinct image manifests (same config and layer), all linux/amd64. */
function thousand(): void {
  const repository = "hostile/thousand";
  const layer = tar(tarEntry({ path: "hello", type: "File" }, Buffer.from("hello\n")));
  const entries = Array.from({ length: 1000 }, (_, i) => {
    const manifest = imageManifest(repository, [layer], `entry ${i}`);
    return {
      digest: putManifest(repository, manifest, MediaType.OCI_MANIFEST),
      size: manifest.length,
    };
  });
  putManifest(repository, indexOf(entries), MediaType.OCI_INDEX, "t");
}

addCase({
  name: "index-1000-readIndex",
  what: "an index of 1,000 entries, read by readIndex",
  call: () => {
    thousand();
    return { kind: "readIndex", repository: "hostile/thousand", reference: "t" };
  },
  expected: { result: /^index of 1000 entries$/ },
});

addCase({
  name: "index-1000-verify",
  what: "the same index verified (1,000 manifests, configs and layer scans)",
  call: () => {
    thousand();
    return { kind: "verify", repository: "hostile/thousand", reference: "t" };
  },
  // 1,000 entries of one platform: a duplicate platform, which verify names.
  expected: { code: "VERIFY_FAILED", text: /linux\/amd64/ },
});

// Hostile layers, given to verify -------------------------------------------------------------

let gzipBombBlob: Buffer = Buffer.alloc(0);
let paddedBlob: Buffer = Buffer.alloc(0);

addCase({
  name: "gzip-bomb",
  what: `a gzip layer of ${BOMB_BYTES / MIB} MiB of zeros in one file`,
  call: () => {
    const img = image("gzip-bomb", [gzipBombBlob]);
    return verifyCall(img);
  },
  expected: { result: new RegExp(`verified: 1 platform\\(s\\), ${BOMB_BYTES + 512 + 1024}`) },
});

addCase({
  name: "zstd-bomb",
  what: `a zstd layer of ${BOMB_BYTES / MIB} MiB of zeros in one file (RLE blocks)`,
  call: () => {
    const img = image("zstd-bomb", [zstdBomb(BOMB_BYTES)]);
    return verifyCall(img);
  },
  expected: { result: new RegExp(`verified: 1 platform\\(s\\), ${BOMB_BYTES + 512 + 1024}`) },
});

addCase({
  name: "gzip-zeros-past-end",
  what: `a gzip layer: a tar of one empty file, then ${BOMB_BYTES / MIB} MiB of zeros past its end`,
  call: () => {
    const img = image("gzip-zeros-past-end", [paddedBlob]);
    return verifyCall(img);
  },
  expected: { result: new RegExp(`verified: 1 platform\\(s\\), ${BOMB_BYTES + 512 + 1024}`) },
});

addCase({
  name: "gzip-truncated",
  what: "a gzip layer cut off halfway",
  call: () => {
    const whole = gzipBombBlob;
    const img = image("gzip-truncated", [whole.subarray(0, whole.length >> 1)]);
    return verifyCall(img);
  },
  expected: { code: "VERIFY_FAILED", text: /not a readable gzip tar archive/ },
});

addCase({
  name: "dotdot-paths",
  what: "entries named ../…/ESCAPE/file and ../../bin/evil (an aarch64 binary)",
  call: () => {
    const img = image("dotdot", [
      tar(
        tarEntry({ path: `${DOTDOT}/file`, type: "File" }, Buffer.from("escaped\n")),
        tarEntry({ path: "../../bin/evil", type: "File" }, AARCH64_ELF),
      ),
    ]);
    return verifyCall(img);
  },
  // Read inside the image's root, where `..` stops: /bin/evil is the wrong CPU.
  expected: { code: "VERIFY_FAILED", text: /\/bin\/evil is aarch64/ },
});

addCase({
  name: "absolute-paths",
  what: "entries named /ESCAPE/file and /usr/bin/evil (an aarch64 binary)",
  call: () => {
    const img = image("absolute", [
      tar(
        tarEntry({ path: `${ESCAPE}/file`, type: "File" }, Buffer.from("escaped\n")),
        tarEntry({ path: "/usr/bin/evil", type: "File" }, AARCH64_ELF),
      ),
    ]);
    return verifyCall(img);
  },
  expected: { code: "VERIFY_FAILED", text: /\/usr\/bin\/evil is aarch64/ },
});

addCase({
  name: "symlink-escape",
  what: "a symlink to ESCAPE (absolute and by ../), then files written through it",
  call: () => {
    const img = image("symlink", [
      tar(
        tarEntry({ path: "out", type: "SymbolicLink", linkpath: ESCAPE }),
        tarEntry({ path: "up", type: "SymbolicLink", linkpath: DOTDOT }),
        tarEntry({ path: "out/file", type: "File" }, Buffer.from("escaped\n")),
        tarEntry({ path: "up/file", type: "File" }, Buffer.from("escaped\n")),
      ),
    ]);
    return verifyCall(img);
  },
  expected: { result: /verified: 1 platform/ },
});

addCase({
  name: "hardlink-missing",
  what: "hard links to files that are not in the image (one by ../, one absolute)",
  call: () => {
    const img = image("hardlink", [
      tar(
        tarEntry({ path: "bin/a", type: "Link", linkpath: "missing/file" }),
        tarEntry({ path: "bin/b", type: "Link", linkpath: `${DOTDOT}/file` }),
        tarEntry({ path: "bin/c", type: "Link", linkpath: "/etc/shadow" }),
      ),
    ]);
    return verifyCall(img);
  },
  expected: { result: /verified: 1 platform/ },
});

describe("hostile input, bounded", () => {
  beforeAll(async () => {
    server = await startRegistry();
    registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    sandbox = mkdtempSync(join(tmpdir(), "multiarch-hostile-"));
    gzipBombBlob = await gzipBomb(BOMB_BYTES);
    paddedBlob = await gzipBomb(BOMB_BYTES, 0);
    const baseline = await runChild("baseline", {
      kind: "baseline",
      registry,
      repository: "none",
      reference: "t",
    });
    baselineKiB = baseline.outcome?.maxRssKiB ?? 0;
  }, 120_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    if (sandbox !== "") rmSync(sandbox, { recursive: true, force: true });
    rmSync(ESCAPE, { recursive: true, force: true });
    if (ran.length < cases.length) return; // a partial run (-t) does not replace the figures
    const mib = (kib: number) => Math.round(kib / 1024);
    const peak = Math.max(...ran.map((r) => r.outcome?.maxRssKiB ?? 0));
    const worst = ran.find((r) => r.outcome?.maxRssKiB === peak)?.name ?? "-";
    await recordSection("hostile", {
      title: "Hostile input: registry answers and layers given to verify",
      setup:
        "Each case answered by a registry of the test's own on 127.0.0.1 and run (verify or readIndex, retries 1) in a process of its own, peak RSS from process.resourceUsage().maxRSS of that process",
      figures: {
        "hostile inputs tried": ran.length,
        "ended in a coded error": ran.filter(
          (r) => r.crash === undefined && r.outcome?.ended === "error",
        ).length,
        "ended in a correct result": ran.filter(
          (r) => r.crash === undefined && r.outcome?.ended === "result",
        ).length,
        "crashes (exit, signal, hang, uncoded error)": ran.filter((r) => r.crash !== undefined)
          .length,
        "files written outside the layer cache": ran.reduce((n, r) => n + r.strayFiles.length, 0),
        "peak RSS of a case": `${mib(peak)} MiB (${worst})`,
        "peak RSS of the same process running nothing": `${mib(baselineKiB)} MiB`,
        "bombs decompressed": `${BOMB_BYTES / MIB} MiB each`,
        "body bytes served before the 1 GiB manifests were refused": [...served.entries()]
          .map(([k, v]) => `${k}: ${(v / MIB).toFixed(1)} MiB`)
          .join(", "),
      },
      notes: ran.map((r) => {
        const o = r.outcome;
        const end =
          r.crash ??
          (o?.ended === "error"
            ? `${o.code ?? "?"}${o.status === undefined ? "" : ` (${o.status})`}`
            : `result: ${o?.text ?? ""}`);
        return `${r.name} — ${r.what}: ${end}; ${mib(o?.maxRssKiB ?? 0)} MiB`;
      }),
    });
  });

  for (const c of cases) {
    test(
      c.name,
      async () => {
        const call = { registry, ...c.call() };
        const result = await runChild(c.name, call);
        ran.push({ ...result, what: c.what });
        expect(result.crash, c.name).toBeUndefined();
        expect(result.strayFiles, "files written outside the layer cache").toEqual([]);
        const outcome = result.outcome;
        if (outcome === undefined) return;
        const { code, status, operation, result: summary, text } = c.expected;
        if (code !== undefined) {
          expect(outcome, outcome.text).toMatchObject({
            ended: "error",
            code,
            ...(status === undefined ? {} : { status }),
            ...(operation === undefined ? {} : { operation }),
          });
        } else {
          expect(outcome.ended, outcome.text).toBe("result");
          expect(outcome.text).toMatch(summary ?? /./);
        }
        if (text !== undefined) expect(outcome.text).toMatch(text);
        expect(outcome.maxRssKiB / 1024, "peak RSS, MiB").toBeLessThan(RSS_LIMIT_MIB);
        if (c.refusedUnread !== undefined) {
          // Refused after at most 4 MiB read: what the socket buffers took is all that went out.
          expect(served.get(c.refusedUnread) ?? 0).toBeLessThan(64 * MIB);
        }
      },
      CASE_TIMEOUT_MS + 10_000,
    );
  }
});
