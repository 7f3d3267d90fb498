module github.com/mesoskit/mesoskit/bench

go 1.26.0

require (
	github.com/mesos/mesos-go v0.0.6
	github.com/mesoskit/mesoskit v0.0.0
	go.uber.org/goleak v1.3.0
	golang.org/x/perf v0.0.0-20260908200009-22c9c6c9d4da
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	github.com/cenkalti/backoff/v4 v4.3.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-logr/logr v1.4.4 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/go-zookeeper/zk v1.0.4 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/pquerna/ffjson v0.0.0-20190930134022-aa0246cd15f7 // indirect
	go.opentelemetry.io/auto/sdk v1.2.1 // indirect
	go.opentelemetry.io/otel v1.46.0 // indirect
	go.opentelemetry.io/otel/metric v1.46.0 // indirect
	go.opentelemetry.io/otel/trace v1.46.0 // indirect
	go.uber.org/multierr v1.10.0 // indirect
	go.uber.org/zap v1.28.0 // indirect
)

// The SDK under test: this checkout.
replace github.com/mesoskit/mesoskit => ../

// The peer: Debian's mesos-go source, copied here by scripts/bench-deps.sh
// (gitignored; the Go module proxy does not serve mesos-go).
replace github.com/mesos/mesos-go => ./third_party/mesos-go

tool golang.org/x/perf/cmd/benchstat
