// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"io"
	"time"
)

// DefaultHeartbeatInterval is the heartbeat interval assumed until the
// master's SUBSCRIBED event announces one: Mesos's
// DEFAULT_HEARTBEAT_INTERVAL, 15 s (src/master/constants.hpp), which is
// also what its operator subscribers get (src/master/master.hpp,
// Master::Subscribers::Subscriber).
const DefaultHeartbeatInterval = 15 * time.Second

// watchdog drops a stream whose master stays silent for too long. The
// countdown runs only while the reader is blocked waiting for the master's
// bytes: time spent decoding or waiting for a slow handler never counts.
// arm, disarm and setTimeout are called from the reader goroutine only.
type watchdog struct {
	timer   *time.Timer
	timeout time.Duration
}

func newWatchdog(timeout time.Duration, fire func()) *watchdog {
	t := time.AfterFunc(time.Hour, fire)
	t.Stop()
	return &watchdog{timer: t, timeout: timeout}
}

func (w *watchdog) arm()                       { w.timer.Reset(w.timeout) }
func (w *watchdog) disarm()                    { w.timer.Stop() }
func (w *watchdog) setTimeout(d time.Duration) { w.timeout = d }
func (w *watchdog) stop()                      { w.timer.Stop() }

// livenessReader runs the watchdog around every read of the stream.
type livenessReader struct {
	r  io.Reader
	wd *watchdog
}

func (l *livenessReader) Read(p []byte) (int, error) {
	l.wd.arm()
	n, err := l.r.Read(p)
	l.wd.disarm()
	return n, err
}

// heartbeatTimeout is how long a stream may stay silent: missed intervals
// of the announced heartbeat interval (DefaultHeartbeatInterval when none
// or a nonsensical one is announced).
func heartbeatTimeout(intervalSeconds float64, missed int) time.Duration {
	interval := DefaultHeartbeatInterval
	if intervalSeconds > 0 && intervalSeconds < 365*24*3600 {
		interval = time.Duration(intervalSeconds * float64(time.Second))
	}
	return time.Duration(missed) * interval
}
