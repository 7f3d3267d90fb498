// SPDX-License-Identifier: Apache-2.0

package scheduler

import (
	"io"
	"time"
)

// watchdog drops a stream whose master stays silent for too long. The
// countdown runs only while the reader is blocked waiting for the master's
// bytes: every read that returns data stops it, and the next read starts it
// afresh. Time the Client spends on its own work (decoding a large event,
// waiting for a slow handler to take the next event) is not silence of the
// master, so it never counts; a large event arriving slowly does not trip it
// either, since every chunk counts.
//
// arm, disarm and setTimeout are called from the reader goroutine only;
// stop is called after the reader has ended.
type watchdog struct {
	timer   *time.Timer
	timeout time.Duration
}

// newWatchdog returns a disarmed watchdog that calls fire when armed for
// longer than timeout.
func newWatchdog(timeout time.Duration, fire func()) *watchdog {
	t := time.AfterFunc(time.Hour, fire)
	t.Stop()
	return &watchdog{timer: t, timeout: timeout}
}

// arm starts the countdown before a read.
func (w *watchdog) arm() { w.timer.Reset(w.timeout) }

// disarm stops the countdown after a read.
func (w *watchdog) disarm() { w.timer.Stop() }

// setTimeout changes the allowed silence from the next read on (once
// SUBSCRIBED announced the heartbeat interval).
func (w *watchdog) setTimeout(d time.Duration) { w.timeout = d }

func (w *watchdog) stop() { w.timer.Stop() }

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
// of the announced heartbeat interval (Mesos's 15 s when none is announced).
func heartbeatTimeout(intervalSeconds float64, missed int) time.Duration {
	interval := 15 * time.Second
	if intervalSeconds > 0 && intervalSeconds < 365*24*3600 {
		interval = time.Duration(intervalSeconds * float64(time.Second))
	}
	return time.Duration(missed) * interval
}
