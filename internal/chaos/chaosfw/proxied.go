// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/mesosproto"
)

// proxied is a detector that reports the leader of its inner detector at the address of the proxy in front
// of it, so that the soak can cut and freeze the framework's connections to the masters. A leader without a
// proxy is reported as it is.
type proxied struct {
	inner detector.Detector
	via   map[string]string // master host:port → proxy host:port
}

// proxyFlags is the repeated -proxy master=proxy flag.
type proxyFlags map[string]string

func (p proxyFlags) String() string { return fmt.Sprint(map[string]string(p)) }

func (p proxyFlags) Set(v string) error {
	master, proxy, ok := strings.Cut(v, "=")
	if !ok || master == "" || proxy == "" {
		return fmt.Errorf("want host:port=host:port, not %q", v)
	}
	p[master] = proxy
	return nil
}

func (d *proxied) Leader(ctx context.Context) (*mesosproto.MasterInfo, <-chan struct{}, error) {
	mi, ch, err := d.inner.Leader(ctx)
	if err != nil || mi == nil {
		return mi, ch, err
	}
	u, err := detector.MasterURL(mi, "http")
	if err != nil {
		return mi, ch, nil
	}
	via, ok := d.via[u.Host]
	if !ok {
		return mi, ch, nil
	}
	out := detector.InfoFromURL(&url.URL{Scheme: "http", Host: via})
	out.Id = mi.Id
	return out, ch, nil
}

func (d *proxied) Close() error { return d.inner.Close() }
