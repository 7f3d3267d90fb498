// SPDX-License-Identifier: Apache-2.0

package main

// Metrics (-metrics ADDR): the program installs an OpenTelemetry MeterProvider whose reader is
// OpenTelemetry's Prometheus exporter, as OpenTelemetry's global provider, and serves it in Prometheus text
// format at http://ADDR/metrics. The mesoskit packages record to the global provider by default, so the
// scheduler.Client (and, with -ha, the ha.Conn) need no option: an application that configures
// OpenTelemetry gets mesoskit's metrics with no code. The SDK, the exporter and client_golang are
// dependencies of this example only; the library depends on the OpenTelemetry metrics API alone.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

func addMetricsFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.metrics, "metrics", "", "serve the metrics in Prometheus text format at http://ADDR/metrics (e.g. 127.0.0.1:9464)")
}

// metricsServer is the -metrics endpoint.
type metricsServer struct {
	srv  *http.Server
	ln   net.Listener
	mp   *sdkmetric.MeterProvider
	done chan struct{}
}

// startMetrics starts the -metrics endpoint (nothing without the flag) and installs its provider as
// OpenTelemetry's global one. stop shuts both down.
func startMetrics(o options, stdout io.Writer) (stop func(), err error) {
	if o.metrics == "" {
		return func() {}, nil
	}
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("-metrics: %w", err)
	}
	ln, err := net.Listen("tcp", o.metrics)
	if err != nil {
		return nil, fmt.Errorf("-metrics: %w", err)
	}
	m := &metricsServer{ln: ln, mp: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)), done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(stdout, "metrics endpoint:", err)
		}
	}()
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(m.mp)
	fmt.Fprintf(stdout, "metrics at http://%s/metrics\n", ln.Addr())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = m.srv.Shutdown(ctx)
		<-m.done
		_ = m.mp.Shutdown(ctx)
		otel.SetMeterProvider(prev)
	}, nil
}
