// Rewrites a TypeScript module's package.json and tsconfig.json the way Dagger's module
// runtime does (written for the test bed; run with node inside the SDK image, and by
// test/testbed/lib/sdk-images.sh on the host to fill the npm cache for the same inputs).
//   node edit-config.mjs PACKAGE_JSON TSCONFIG_JSON   (files are created when missing)
// package.json: "type": "module"; typescript added to dependencies when absent; the
// @dagger.io/dagger dependency dropped (the module gets the generated sdk/ instead).
// tsconfig.json: "@dagger.io/dagger" (and /telemetry) mapped to sdk/, decorators enabled.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const TYPESCRIPT_VERSION = "5.9.3";
const [pkgPath, tsconfigPath] = process.argv.slice(2);

// JSON with // comments (tsconfig allows them): drop the comments outside strings.
function parseLoose(text, file) {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2);
      if (i < 0) break;
      i++;
    } else {
      out += c;
    }
  }
  try {
    return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    process.exit(1);
  }
}

const pkg = existsSync(pkgPath) ? parseLoose(readFileSync(pkgPath, "utf8"), pkgPath) : {};
pkg.type = "module";
pkg.dependencies ??= {};
pkg.dependencies.typescript ??= TYPESCRIPT_VERSION;
delete pkg.dependencies["@dagger.io/dagger"];
if (pkg.devDependencies) delete pkg.devDependencies["@dagger.io/dagger"];
writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + "\n");

const tsconfig = existsSync(tsconfigPath)
  ? parseLoose(readFileSync(tsconfigPath, "utf8"), tsconfigPath)
  : {
      compilerOptions: {
        target: "ES2022",
        moduleResolution: "Node",
        strict: true,
        skipLibCheck: true,
      },
    };
tsconfig.compilerOptions ??= {};
tsconfig.compilerOptions.experimentalDecorators = true;
tsconfig.compilerOptions.paths = {
  ...tsconfig.compilerOptions.paths,
  "@dagger.io/dagger": ["./sdk/index.ts"],
  "@dagger.io/dagger/telemetry": ["./sdk/telemetry.ts"],
};
writeFileSync(tsconfigPath, JSON.stringify(tsconfig, null, 2) + "\n");
