// Another team's module, in Go: it depends on multiarch by path (dagger.json) and composes its
// functions with a pipeline of its own, no Dockerfile: WithEmulation, then one container per
// platform, then PublishIndex.
package main

import (
	"context"
	"fmt"

	"dagger/consumer-go/internal/dagger"
)

type ConsumerGo struct{}

// Publish a small image for every platform as one index; returns the index digest.
// +cache="never"
func (m *ConsumerGo) Publish(
	ctx context.Context,
	// Where to push: registry/repository[:tag].
	address string,
	// Target platforms.
	// +optional
	// +default=["linux/amd64","linux/arm64","linux/ppc64le"]
	platforms []string,
	// Talk to the registry over plain HTTP.
	// +optional
	plainHttp bool,
) (string, error) {
	multiarch := dag.Multiarch().WithEmulation(dagger.MultiarchWithEmulationOpts{Platforms: platforms})
	variants := make([]*dagger.Container, 0, len(platforms))
	for _, platform := range platforms {
		variants = append(variants, dag.Container(dagger.ContainerOpts{Platform: dagger.Platform(platform)}).
			From("busybox:latest").
			WithExec([]string{"sh", "-c", "uname -m > /built-on"}).
			WithNewFile("/hello", fmt.Sprintf("hello from %s, built by consumer-go\n", platform)).
			WithEntrypoint([]string{"cat", "/hello", "/built-on"}))
	}
	published := multiarch.PublishIndex(variants, address, dagger.MultiarchPublishIndexOpts{PlainHTTP: plainHttp})
	return published.Digest(ctx)
}
