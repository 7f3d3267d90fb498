// SPDX-License-Identifier: Apache-2.0

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/mesoskit/mesoskit/ha"
)

// Live configuration (-ha-config, with -ha): the task command and count are read from the JSON document at
// <ha path>/config, {"cmd": "...", "tasks": N}, written from -cmd and -tasks when it does not exist yet.
// The leader follows it: a change applies to the tasks launched from then on (more tasks are launched when
// the count grows; running ones are left alone), without a restart. Change it with compare-and-set, for
// example from another program with ha.NewConfig(conn, path).Set(ctx, data, version).

func addConfigFlags(fs *flag.FlagSet, o *options) {
	fs.BoolVar(&o.haConfig, "ha-config", false, `with -ha: read -cmd and -tasks from the JSON document at <path>/config ({"cmd":…,"tasks":…}; written from the flags when absent) and apply its changes while running`)
}

// liveConfig is the document at <ha path>/config.
type liveConfig struct {
	Cmd   string `json:"cmd"`
	Tasks int    `json:"tasks"`
}

func parseLiveConfig(data []byte) (liveConfig, error) {
	var lc liveConfig
	if err := json.Unmarshal(data, &lc); err != nil {
		return lc, err
	}
	if strings.TrimSpace(lc.Cmd) == "" || lc.Tasks < 1 {
		return lc, errors.New(`want {"cmd": "<non-empty>", "tasks": <at least 1>}`)
	}
	return lc, nil
}

// followConfig reads the configuration (creating it from the flags when absent) and keeps live up to date
// until ctx ends, on a goroutine that has returned when done is closed; each change also revives offers
// (revive), so that new tasks are launched. It returns once the first configuration is in live.
func (r *replica) followConfig(ctx context.Context, live *atomic.Pointer[liveConfig], revive func(context.Context)) (done <-chan struct{}, err error) {
	none := make(chan struct{})
	close(none)
	if _, err := r.config.Get(ctx); errors.Is(err, ha.ErrNotFound) {
		data, _ := json.Marshal(liveConfig{Cmd: r.o.cmd, Tasks: r.o.tasks})
		if _, err := r.config.Set(ctx, data, ha.Absent); err != nil && !errors.Is(err, ha.ErrConflict) {
			return none, err
		}
	} else if err != nil {
		return none, err
	}
	first, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		_ = r.config.Follow(ctx, func(ctx context.Context, rec ha.Record) error {
			defer func() {
				select {
				case <-first:
				default:
					close(first)
				}
			}()
			lc, err := parseLiveConfig(rec.Data)
			if err != nil {
				fmt.Fprintf(r.out, "configuration %s ignored: %v\n", rec.Version, err)
				return nil
			}
			fmt.Fprintf(r.out, "configuration %s: %d tasks running %q\n", rec.Version, lc.Tasks, lc.Cmd)
			if old := live.Swap(&lc); old != nil && *old != lc {
				revive(ctx)
			}
			return nil
		})
	}()
	select {
	case <-first:
		return ended, nil
	case <-ended:
		return ended, ctx.Err()
	}
}

// applyConfig makes the demo use the latest configuration (called from the Client's callbacks). The count
// never drops below the tasks already recorded.
func (h *haDemo) applyConfig() {
	if h.live == nil {
		return
	}
	if lc := h.live.Load(); lc != nil {
		h.opts.cmd, h.opts.tasks = lc.Cmd, max(lc.Tasks, len(h.recs))
	}
}
