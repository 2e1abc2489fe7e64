// Inside `dagger call`, a module's "@dagger.io/dagger" is the generated sdk/ folder: the module
// API plus the client generated for the module's schema, nothing else. A value import of any
// other name (ExecError, GraphQLRequestError, ...) stops the module from loading, and the module
// runtime loads every .ts file under src/. This test reads every such file and fails on one.
//
// What the sdk/ exports comes from two places we do not edit for this test: the index our test
// bed's module runtime generates (test/testbed/ts-runtime, written to match Dagger v0.21.8's
// bundled library), and the client the npm package generated from the same engine's schema.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SDK = "@dagger.io/dagger";

/** Value names a module may import from "@dagger.io/dagger". */
function moduleSurface(): Set<string> {
  const names = new Set<string>();
  const index = join(ROOT, "test/testbed/ts-runtime/runtime/files/index.ts");
  walk(parse(index), (node) => {
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.exportClause !== undefined) {
      if (ts.isNamedExports(node.exportClause)) {
        for (const e of node.exportClause.elements) if (!e.isTypeOnly) names.add(e.name.text);
      }
    }
  });
  const pkg = dirname(createRequire(import.meta.url).resolve(SDK));
  const client = join(pkg, "api/client.gen.d.ts");
  walk(parse(client), (node) => {
    const exported = ts.canHaveModifiers(node)
      ? ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      : false;
    if (!exported) return;
    if ((ts.isClassDeclaration(node) || ts.isEnumDeclaration(node)) && node.name) {
      names.add(node.name.text);
    }
    if (ts.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) {
        if (ts.isIdentifier(d.name)) names.add(d.name.text);
      }
    }
  });
  return names;
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
}

function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  node.forEachChild((child) => walk(child, visit));
}

/** Every value name `source` takes from "@dagger.io/dagger", statically or with `await import`. */
export function valueImports(source: ts.SourceFile): string[] {
  const names: string[] = [];
  walk(source, (node) => {
    if (
      ts.isImportDeclaration(node) &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      node.moduleSpecifier.text === SDK
    ) {
      const clause = node.importClause;
      if (clause === undefined || clause.isTypeOnly) return;
      if (clause.name !== undefined) names.push("default");
      const bindings = clause.namedBindings;
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) names.push("* as namespace");
      if (bindings !== undefined && ts.isNamedImports(bindings)) {
        for (const e of bindings.elements) {
          if (!e.isTypeOnly) names.push((e.propertyName ?? e.name).text);
        }
      }
    }
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0]) &&
      node.arguments[0].text === SDK
    ) {
      // `const { a, b } = await import(SDK)` or `(await import(SDK)).a`: the names used;
      // anything else cannot be checked.
      const declaration = ts.isAwaitExpression(node.parent) ? node.parent.parent : undefined;
      const access =
        declaration !== undefined && ts.isParenthesizedExpression(declaration)
          ? declaration.parent
          : undefined;
      if (access !== undefined && ts.isPropertyAccessExpression(access)) {
        names.push(access.name.text);
      } else if (
        declaration !== undefined &&
        ts.isVariableDeclaration(declaration) &&
        ts.isObjectBindingPattern(declaration.name)
      ) {
        for (const e of declaration.name.elements) {
          const name = e.propertyName ?? e.name;
          names.push(ts.isIdentifier(name) ? name.text : name.getText());
        }
      } else {
        names.push("import() not destructured");
      }
    }
  });
  return names;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("what the module runtime loads imports from @dagger.io/dagger", () => {
  const surface = moduleSurface();

  it("knows the module API and the generated client", () => {
    for (const name of [
      "dag",
      "object",
      "func",
      "argument",
      "connection",
      "Container",
      "ReturnType",
    ]) {
      expect(surface, name).toContain(name);
    }
    expect(surface).not.toContain("ExecError");
  });

  it("flags a value import the runtime does not provide", () => {
    const file = ts.createSourceFile(
      "bad.ts",
      `import { dag, ExecError, type Secret } from "${SDK}";\n` +
        `const { connection, GraphQLRequestError } = await import("${SDK}");\n` +
        `const client = (await import("${SDK}")).dag;`,
      ts.ScriptTarget.ES2022,
      true,
    );
    const names = valueImports(file);
    expect(names).toEqual(["dag", "ExecError", "connection", "GraphQLRequestError", "dag"]);
    expect(names.filter((n) => !surface.has(n))).toEqual(["ExecError", "GraphQLRequestError"]);
  });

  it("finds none in src/", () => {
    const missing = sourceFiles(join(ROOT, "src")).flatMap((file) =>
      valueImports(parse(file))
        .filter((name) => !surface.has(name))
        .map((name) => `${relative(ROOT, file)}: ${name}`),
    );
    expect(missing).toEqual([]);
  });
});
