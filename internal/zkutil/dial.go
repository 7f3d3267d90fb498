// SPDX-License-Identifier: Apache-2.0

package zkutil

import (
	"net"
	"time"

	"github.com/go-zookeeper/zk"
	"go.uber.org/zap"
)

// ClientConfig is what Dial needs besides the servers and the session timeout.
type ClientConfig struct {
	// Logger receives go-zookeeper's own lines at debug level (nil: none).
	Logger *zap.Logger
	// Dialer opens TCP connections (nil: net.DialTimeout).
	Dialer zk.Dialer
	// OnEvent is go-zookeeper's event callback: every session and watch event, in the order the client
	// receives them, on the client's goroutines. It must not block.
	OnEvent func(zk.Event)
}

// Dial starts a go-zookeeper client with the settings every package of mesoskit uses: names resolved at
// each connection attempt (HostList, whose SkipNextPause is called when a session expired, so that the next
// session is asked for at once), go-zookeeper's lines through zap, events through cfg.OnEvent, and the
// session event channel drained so that go-zookeeper never blocks on it. It returns at once; the session is
// established in the background. done is closed once the client's goroutines are gone after conn.Close.
func Dial(servers []string, sessionTimeout time.Duration, cfg ClientConfig) (conn *zk.Conn, done <-chan struct{}, err error) {
	hosts := &HostList{}
	logger := cfg.Logger
	if logger == nil {
		logger = zap.NewNop()
	}
	dial := cfg.Dialer
	if dial == nil {
		dial = net.DialTimeout
	}
	onEvent := func(ev zk.Event) {
		if ev.Type == zk.EventSession && ev.State == zk.StateExpired {
			hosts.SkipNextPause()
		}
		if cfg.OnEvent != nil {
			cfg.OnEvent(ev)
		}
	}
	conn, events, err := zk.Connect(servers, sessionTimeout,
		zk.WithHostProvider(hosts),
		zk.WithDialer(dial),
		zk.WithLogger(Logger(logger)),
		zk.WithEventCallback(onEvent),
	)
	if err != nil {
		return nil, nil, err
	}
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		for range events {
		}
	}()
	return conn, ch, nil
}
