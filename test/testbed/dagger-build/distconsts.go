// Values the engine and CLI read from github.com/dagger/dagger/engine/distconsts,
// a nested module the Go proxy does not serve. Paths match the engine image layout.
package distconsts

const (
	EngineContainerName                = "dagger-engine.dev"
	DefaultEngineSockAddr              = "unix:///run/dagger/engine.sock"
	RuncPath                           = "/usr/local/bin/runc"
	DaggerInitPath                     = "/usr/local/bin/dagger-init"
	TiniPath                           = "/usr/local/bin/tini"
	EngineDefaultStateDir              = "/var/lib/dagger"
	EngineContainerBuiltinContentDir   = "/usr/local/share/dagger/content"
	GoSDKManifestDigestEnvName         = "DAGGER_GO_SDK_MANIFEST_DIGEST"
	PythonSDKManifestDigestEnvName     = "DAGGER_PYTHON_SDK_MANIFEST_DIGEST"
	TypescriptSDKManifestDigestEnvName = "DAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST"
	AlpineVersion                      = "3.22.1"
	AlpineImage                        = "alpine:" + AlpineVersion
	GolangVersion                      = "1.26"
	GolangImage                        = "golang:" + GolangVersion + "-alpine"
	BusyboxVersion                     = "1.37.0"
	BusyboxImage                       = "busybox:" + BusyboxVersion
	OCIVersionAnnotation               = "org.opencontainers.image.version"
	EngineCustomCACertsDir             = "/usr/local/share/ca-certificates"
)
