// The test bed's stand-in for Dagger's TypeScript SDK runtime module.
//
// Dagger v0.21.8 loads a builtin SDK as a module from the runtime/ folder of the image named by
// DAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST, and passes that image's whole root file system to it as
// sdkSourceDir. Dagger's own runtime (sdk/typescript/runtime) is served neither by the Go module
// proxy nor by npm, so the bed ships this one, written for the bed against the same contract
// (core/sdk/module*.go): the engine calls
//
//	codegen(modSource, introspectionJson)                       -> GeneratedCode   (dagger init/develop)
//	moduleTypes(modSource, introspectionJson, outputFilePath)   -> Container       (type definitions)
//	moduleRuntime(modSource, introspectionJson)                 -> Container       (function calls)
//
// moduleTypes' container is run with its entrypoint and must leave the module's ID (JSON) at
// outputFilePath; moduleRuntime's entrypoint is run once per function call.
//
// Differences from Dagger's runtime, all because of what the bed can reach:
//   - The image the module runs in is the SDK image itself (Debian + Node.js from npm), not
//     node:24-alpine pinned by digest; package.json's dagger.baseImage and the bun and deno
//     runtimes are refused with a message.
//   - Dependencies are installed by npm --offline from an npm cache the bed made for the
//     module's package files (an image in the bed's registry, tagged by their hash; made by
//     lib/sdk-images.sh for the modules it knows). yarn and pnpm are refused with a message.
//   - The SDK's runtime code (entrypoint, decorators, introspector) is the npm package
//     @dagger.io/dagger at the engine's version, installed in the image; the generated sdk/
//     folder re-exports from it only what Dagger's bundled module library exports.
package main

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"typescript-sdk/internal/dagger"
)

const (
	modSourceDirPath = "/src"
	srcDir           = "src"
	genDir           = "sdk"
	entrypointFile   = "__dagger.entrypoint.ts"
	schemaPath       = "/schema.json"

	// Paths inside the SDK image (test/testbed/lib/sdk-images.sh lays them out).
	codegenBin       = "/usr/local/bin/codegen"
	daggerPkgDir     = "/usr/local/lib/dagger-sdk/node_modules/@dagger.io/dagger"
	typescriptLibDir = "/usr/local/lib/typescript-library" // typescript@defaultTypeScriptVersion
	// npm caches, one image per set of package files (tag: npmCacheTag), pulled by the engine
	// from the bed's plain registry.
	npmCacheRepo     = "127.0.0.1:5000/multiarch/ts-npm-cache"
	editConfigScript = "/usr/local/share/dagger-ts/edit-config.mjs"

	// What Dagger's runtime adds to a module's dependencies when it names no typescript.
	defaultTypeScriptVersion = "5.9.3"
	imagePath                = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// The generated sdk/ folder. index.ts exports the module API only (what Dagger's bundled
// module library exports); core.js/core.d.ts point at the npm package in the image.
var (
	//go:embed files/index.ts
	sdkIndexTS string
	//go:embed files/core.js
	sdkCoreJS string
	//go:embed files/core.d.ts
	sdkCoreDTS string
	//go:embed files/telemetry.ts
	sdkTelemetryTS string
	//go:embed files/entrypoint.ts
	entrypointTS string
	//go:embed files/edit-config.mjs
	editConfigMJS string
	//go:embed files/template-index.ts
	templateIndexTS string
)

func New(
	// The SDK image's root file system, passed by the engine.
	// +optional
	sdkSourceDir *dagger.Directory,
) *TypescriptSdk {
	return &TypescriptSdk{SDKSourceDir: sdkSourceDir}
}

// The test bed's TypeScript SDK runtime (Node.js only, offline).
type TypescriptSdk struct {
	SDKSourceDir *dagger.Directory
}

// What the runtime needs to know about one module.
type moduleConfig struct {
	name    string
	subPath string            // module source folder, relative to the context directory
	source  *dagger.Directory // that folder
	files   map[string]bool   // config files present in it
	pkgJSON string            // package.json as written by the user ("" when absent)
	deps    map[string]string // its dependencies
}

func (c *moduleConfig) modulePath() string { return path.Join(modSourceDirPath, c.subPath) }

// Config files are copied separately from the sources (like Dagger's runtime does).
var moduleConfigFiles = []string{
	"package.json", "tsconfig.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml",
	"pnpm-workspace.yaml", ".yarnrc.yml", "bun.lockb", "bun.lock", "bunfig.toml", "deno.json", "deno.lock",
}

func analyzeModule(ctx context.Context, modSource *dagger.ModuleSource) (*moduleConfig, error) {
	cfg := &moduleConfig{files: map[string]bool{}, deps: map[string]string{}, source: dag.Directory()}
	var err error
	if cfg.name, err = modSource.ModuleOriginalName(ctx); err != nil {
		return nil, fmt.Errorf("read the module name: %w", err)
	}
	if cfg.subPath, err = modSource.SourceSubpath(ctx); err != nil {
		return nil, fmt.Errorf("read the module source subpath: %w", err)
	}
	// A module being initialised has no source folder yet.
	if _, err := modSource.ContextDirectory().Directory(cfg.subPath).Entries(ctx); err == nil {
		cfg.source = modSource.ContextDirectory().Directory(cfg.subPath)
	}
	entries, err := dag.Directory().WithDirectory(".", cfg.source, dagger.DirectoryWithDirectoryOpts{
		Include: moduleConfigFiles,
	}).Entries(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the module's config files: %w", err)
	}
	for _, e := range entries {
		cfg.files[e] = true
	}

	for _, f := range []string{"deno.json", "deno.lock", "bun.lock", "bun.lockb"} {
		if cfg.files[f] {
			return nil, fmt.Errorf("%s found: the test bed's TypeScript runtime runs Node.js modules only (no bun, no deno)", f)
		}
	}
	if !cfg.files["package.json"] {
		return cfg, nil
	}
	if cfg.pkgJSON, err = cfg.source.File("package.json").Contents(ctx); err != nil {
		return nil, fmt.Errorf("read package.json: %w", err)
	}
	var pkg struct {
		PackageManager string            `json:"packageManager"`
		Dependencies   map[string]string `json:"dependencies"`
		Dagger         *struct {
			BaseImage string `json:"baseImage"`
			Runtime   string `json:"runtime"`
		} `json:"dagger"`
	}
	if err := json.Unmarshal([]byte(cfg.pkgJSON), &pkg); err != nil {
		return nil, fmt.Errorf("parse package.json: %w", err)
	}
	if pkg.Dagger != nil && pkg.Dagger.BaseImage != "" {
		return nil, fmt.Errorf("package.json sets dagger.baseImage %q: the test bed's TypeScript runtime runs modules in its own Node.js image only", pkg.Dagger.BaseImage)
	}
	if pkg.Dagger != nil && pkg.Dagger.Runtime != "" && !strings.HasPrefix(pkg.Dagger.Runtime, "node") {
		return nil, fmt.Errorf("package.json sets dagger.runtime %q: the test bed's TypeScript runtime runs Node.js only", pkg.Dagger.Runtime)
	}
	pm := strings.SplitN(pkg.PackageManager, "@", 2)[0]
	if pm == "" && (cfg.files["yarn.lock"] || cfg.files["pnpm-lock.yaml"]) {
		pm = "yarn or pnpm"
	}
	if pm != "" && pm != "npm" {
		return nil, fmt.Errorf("the module uses %s: the test bed's TypeScript runtime installs dependencies with npm only", pm)
	}
	for k, v := range pkg.Dependencies {
		cfg.deps[k] = v
	}
	return cfg, nil
}

// The SDK image as a container: it is both the SDK's files and the Node.js image modules run in.
func (t *TypescriptSdk) base() *dagger.Container {
	return dag.Container().
		WithRootfs(t.SDKSourceDir).
		WithEnvVariable("PATH", imagePath).
		// Node's own CA bundle ignores the engine's custom CAs; OpenSSL's store has them.
		WithEnvVariable("NODE_OPTIONS", "--use-openssl-ca").
		WithNewFile(editConfigScript, editConfigMJS)
}

// The generated sdk/ folder: the client for the module's schema (dagger's codegen, bundle
// mode) and the module API.
func (t *TypescriptSdk) sdkLibrary(cfg *moduleConfig, introspectionJSON *dagger.File) *dagger.Directory {
	client := t.base().
		WithMountedFile(schemaPath, introspectionJSON).
		WithWorkdir(cfg.modulePath()).
		WithExec([]string{
			codegenBin, "generate-module",
			"--lang", "typescript",
			"--output", modSourceDirPath,
			"--introspection-json-path", schemaPath,
			"--module-name", cfg.name,
			"--module-source-path", cfg.modulePath(),
			"--bundle",
		}).
		Directory(cfg.modulePath()).
		File("sdk/src/api/client.gen.ts")
	return dag.Directory().
		WithNewFile("index.ts", sdkIndexTS).
		WithNewFile("core.js", sdkCoreJS).
		WithNewFile("core.d.ts", sdkCoreDTS).
		WithNewFile("telemetry.ts", sdkTelemetryTS).
		WithFile("client.gen.ts", client)
}

// package.json and tsconfig.json as the module runtime rewrites them (edit-config.mjs).
func (t *TypescriptSdk) configFiles(cfg *moduleConfig) *dagger.Directory {
	ctr := t.base().WithWorkdir("/work")
	if cfg.pkgJSON != "" {
		ctr = ctr.WithFile("package.json", cfg.source.File("package.json"))
	}
	if cfg.files["tsconfig.json"] {
		ctr = ctr.WithFile("tsconfig.json", cfg.source.File("tsconfig.json"))
	}
	return ctr.
		WithExec([]string{"node", editConfigScript, "package.json", "tsconfig.json"}).
		Directory("/work")
}

// Only typescript at the version the SDK image carries: no install needed (as in Dagger's runtime).
func (c *moduleConfig) onlyDefaultTypeScript() bool {
	v, ok := c.deps["typescript"]
	if !ok {
		return len(c.deps) <= 1 // none, or only @dagger.io/dagger (dropped by the rewrite)
	}
	n := len(c.deps)
	if _, has := c.deps["@dagger.io/dagger"]; has {
		n--
	}
	return v == defaultTypeScriptVersion && n == 1
}

// ModuleRuntime returns the container the engine runs for each function call.
func (t *TypescriptSdk) ModuleRuntime(
	ctx context.Context,
	modSource *dagger.ModuleSource,
	introspectionJSON *dagger.File,
) (*dagger.Container, error) {
	cfg, err := analyzeModule(ctx, modSource)
	if err != nil {
		return nil, err
	}
	config := t.configFiles(cfg)
	lib := t.sdkLibrary(cfg, introspectionJSON)

	ctr := t.base().
		WithWorkdir(cfg.modulePath()).
		WithFile("package.json", config.File("package.json"))
	if cfg.onlyDefaultTypeScript() {
		ctr = ctr.WithMountedDirectory("node_modules/typescript", t.SDKSourceDir.Directory(typescriptLibDir))
	} else {
		// --offline: the test bed gives the engine's containers no npm registry.
		tag, err := npmCacheTag(ctx, cfg)
		if err != nil {
			return nil, err
		}
		ref := npmCacheRepo + ":" + tag
		cache, err := dag.Container().From(ref).Sync(ctx)
		if err != nil {
			return nil, fmt.Errorf("the test bed has no npm cache for this module's package files (%s): "+
				"'npm run testbed:up' makes one for this repository's module and those listed in TESTBED_TS_NPM_MODULES: %w", ref, err)
		}
		ctr = ctr.
			WithDirectory(".", cfg.source, dagger.ContainerWithDirectoryOpts{
				Include: []string{"package-lock.json", ".npmrc"},
			}).
			WithDirectory("/root/.npm", cache.Directory("/npm-cache")).
			WithExec([]string{"npm", "install", "--omit=dev", "--offline", "--no-audit", "--no-fund"})
	}

	entrypointPath := path.Join(cfg.modulePath(), srcDir, entrypointFile)
	return ctr.
		WithMountedDirectory(genDir, lib).
		// The entrypoint imports "@dagger.io/dagger" from sdk/ too: tsconfig paths, and this.
		WithMountedDirectory("node_modules/@dagger.io/dagger", lib).
		WithMountedFile("tsconfig.json", config.File("tsconfig.json")).
		WithDirectory(".", wrappedSource(cfg)).
		WithMountedFile(entrypointPath, dag.File(entrypointFile, entrypointTS)).
		WithEntrypoint([]string{
			"tsx", "--no-deprecation", "--tsconfig", path.Join(cfg.modulePath(), "tsconfig.json"), entrypointPath,
		}), nil
}

// A hash of the module's package files: "NAME SHA256\n" for each of package.json,
// package-lock.json and .npmrc that exists, hashed; the first 16 hex digits. lib/sdk-images.sh
// (_sdk_npm_cache_tag) tags the npm cache images the same way.
func npmCacheTag(ctx context.Context, cfg *moduleConfig) (string, error) {
	var lines strings.Builder
	for _, name := range []string{"package.json", "package-lock.json", ".npmrc"} {
		ok, err := cfg.source.Exists(ctx, name)
		if err != nil {
			return "", fmt.Errorf("look for %s: %w", name, err)
		}
		if !ok {
			continue
		}
		content, err := cfg.source.File(name).Contents(ctx)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", name, err)
		}
		sum := sha256.Sum256([]byte(content))
		fmt.Fprintf(&lines, "%s %s\n", name, hex.EncodeToString(sum[:]))
	}
	sum := sha256.Sum256([]byte(lines.String()))
	return hex.EncodeToString(sum[:])[:16], nil
}

// The module's files minus config files, sdk/ and node_modules/.
func wrappedSource(cfg *moduleConfig) *dagger.Directory {
	return dag.Directory().WithDirectory("/", cfg.source, dagger.DirectoryWithDirectoryOpts{
		Exclude: append(append([]string{}, moduleConfigFiles...), genDir, "node_modules"),
	})
}

// ModuleTypes returns a container whose entrypoint writes the module's ID (its type
// definitions, read from the TypeScript sources without running them) to outputFilePath.
// Like Dagger's, it runs the SDK's introspector: here the one in the npm package.
func (t *TypescriptSdk) ModuleTypes(
	ctx context.Context,
	modSource *dagger.ModuleSource,
	introspectionJSON *dagger.File,
	outputFilePath string,
) (*dagger.Container, error) {
	cfg, err := analyzeModule(ctx, modSource)
	if err != nil {
		return nil, err
	}
	lib := t.sdkLibrary(cfg, introspectionJSON)
	return t.base().
		WithWorkdir(modSourceDirPath).
		WithMountedDirectory("src", cfg.source.Directory(srcDir)).
		WithMountedDirectory("node_modules/@dagger.io/dagger", lib).
		WithMountedDirectory("node_modules/typescript", t.SDKSourceDir.Directory(typescriptLibDir)).
		WithMountedDirectory("sdk", lib).
		WithEnvVariable("TYPEDEF_OUTPUT_FILE", outputFilePath).
		WithEntrypoint([]string{
			"node", "--no-deprecation", path.Join(daggerPkgDir, "dist/src/module/entrypoint/introspection_entrypoint.js"),
			cfg.name, "src", "sdk/client.gen.ts",
		}), nil
}

// Codegen returns what `dagger init` and `dagger develop` write into the module: sdk/,
// the rewritten package.json and tsconfig.json, and a starter src/index.ts for a new module.
func (t *TypescriptSdk) Codegen(
	ctx context.Context,
	modSource *dagger.ModuleSource,
	introspectionJSON *dagger.File,
) (*dagger.GeneratedCode, error) {
	cfg, err := analyzeModule(ctx, modSource)
	if err != nil {
		return nil, err
	}
	config := t.configFiles(cfg)
	out := dag.Directory().
		WithFile("package.json", config.File("package.json")).
		WithFile("tsconfig.json", config.File("tsconfig.json")).
		WithDirectory(genDir, t.sdkLibrary(cfg, introspectionJSON))

	var sources []string
	if ok, _ := cfg.source.Exists(ctx, srcDir); ok {
		if sources, err = cfg.source.Glob(ctx, "src/**/*.ts"); err != nil {
			return nil, fmt.Errorf("list the module's sources: %w", err)
		}
	}
	if len(sources) == 0 {
		out = out.WithNewFile("src/index.ts", strings.ReplaceAll(templateIndexTS, "ModuleName", toPascal(cfg.name)))
	}
	return dag.GeneratedCode(dag.Directory().WithDirectory(cfg.subPath, out)).
		WithVCSGeneratedPaths([]string{genDir + "/**"}).
		WithVCSIgnoredPaths([]string{genDir, "**/node_modules/**"}), nil
}

// "my-module" / "my_module" -> "MyModule", as the SDK names a module's main object.
func toPascal(name string) string {
	var b strings.Builder
	up := true
	for _, r := range name {
		if r == '-' || r == '_' || r == ' ' || r == '.' {
			up = true
			continue
		}
		if up {
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
