// SPDX-License-Identifier: Apache-2.0

package httpapi

import (
	"io"
	"time"
)

// DefaultHeartbeatInterval is Mesos's DEFAULT_HEARTBEAT_INTERVAL (src/master/constants.hpp): what a master
// announces to schedulers and operator subscribers, and what a client assumes until it has been told.
const DefaultHeartbeatInterval = 15 * time.Second

// Watchdog drops an event stream whose master stays silent for too long. The countdown runs only while the
// reader is blocked waiting for the master's bytes: every read that returns data stops it, and the next read
// starts it afresh. Time the client spends on its own work (decoding a large event, waiting for a slow
// handler to take the next event) is not silence of the master, so it never counts; a large event arriving
// slowly does not trip it either, since every chunk counts.
//
// Reads through Reader and SetTimeout happen on the stream's reader goroutine only; Stop is called after the
// reader has ended.
type Watchdog struct {
	timer   *time.Timer
	timeout time.Duration
}

// NewWatchdog returns a disarmed watchdog that calls fire when a read has waited longer than timeout.
func NewWatchdog(timeout time.Duration, fire func()) *Watchdog {
	t := time.AfterFunc(time.Hour, fire)
	t.Stop()
	return &Watchdog{timer: t, timeout: timeout}
}

// SetTimeout changes the allowed silence from the next read on (once SUBSCRIBED announced the heartbeat
// interval).
func (w *Watchdog) SetTimeout(d time.Duration) { w.timeout = d }

// Stop disarms the watchdog for good.
func (w *Watchdog) Stop() { w.timer.Stop() }

// Reader returns r with the watchdog running around every read.
func (w *Watchdog) Reader(r io.Reader) io.Reader { return livenessReader{r: r, wd: w} }

type livenessReader struct {
	r  io.Reader
	wd *Watchdog
}

func (l livenessReader) Read(p []byte) (int, error) {
	l.wd.timer.Reset(l.wd.timeout)
	n, err := l.r.Read(p)
	l.wd.timer.Stop()
	return n, err
}

// HeartbeatTimeout is how long a stream may stay silent: missed intervals of the announced heartbeat
// interval (DefaultHeartbeatInterval when none, or a nonsensical one, is announced).
func HeartbeatTimeout(intervalSeconds float64, missed int) time.Duration {
	interval := DefaultHeartbeatInterval
	if intervalSeconds > 0 && intervalSeconds < 365*24*3600 {
		interval = time.Duration(intervalSeconds * float64(time.Second))
	}
	return time.Duration(missed) * interval
}
