// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/mesostest/console"
)

// serveConsoleFor serves the web console for remote masters (-console-for) on -listen until ctx ends. The
// console's master requests go through this process to whichever of the masters leads; the browser reads
// the agents' files API itself (JSONP). The first stdout line is the console's URL.
func serveConsoleFor(ctx context.Context, o options, stdout io.Writer, log *zap.Logger) int {
	var masters []string
	for _, m := range strings.Split(o.consoleFor, ",") {
		if m = strings.TrimSpace(m); m != "" {
			if !strings.Contains(m, "://") {
				m = "http://" + m
			}
			masters = append(masters, m)
		}
	}
	if len(masters) == 0 {
		log.Error("-console-for: no master URL")
		return 2
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		log.Error("listen", zap.Error(err))
		return 1
	}
	hs := &http.Server{Handler: console.New(console.WithUpstream(masters...)), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "http://%s/\n", ln.Addr())
	log.Info("web console up", zap.String("url", "http://"+ln.Addr().String()+"/"), zap.Strings("masters", masters))
	select {
	case <-ctx.Done():
	case err := <-done:
		log.Error("console server", zap.Error(err))
		return 1
	}
	_ = hs.Close() // the proxied event streams never go idle: close them
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("console server", zap.Error(err))
		return 1
	}
	return 0
}
