// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"github.com/mesoskit/mesoskit/detector"
	"github.com/mesoskit/mesoskit/internal/retry"
)

// Subscribe opens the master's operator event stream (SUBSCRIBE, served by
// src/master/readonly_handler.cpp, Master::ReadOnlyHandler::subscribe) and
// hands its events to h until ctx is cancelled or an unrecoverable error
// occurs. See Handler for the events and for what a SUBSCRIBED event that
// is not the first means.
//
// It keeps the stream alive as scheduler.Client.Run does: it follows the
// leader through the detector (a new leader drops the stream with
// ErrLeaderChanged and subscribes there), follows 307 redirects of
// non-leading masters, drops a stream that stays silent for
// WithMissedHeartbeats heartbeat intervals (ErrMissedHeartbeats; the master
// announces 15 s in SUBSCRIBED), and subscribes again after every failure
// with a jittered exponential backoff (WithBackoff) that never gives up and
// restarts after each SUBSCRIBED. A handler implementing DisconnectHandler
// is told each time a subscription that reached SUBSCRIBED ends.
//
// Subscribe returns:
//   - nil when ctx is cancelled;
//   - the handler's error, wrapped;
//   - an error wrapping *APIError when SUBSCRIBE is refused with a status
//     that would refuse it again: 400, 401, 403, 405, 406 or 415;
//   - ErrClosed after Close, and detector errors (which are permanent).
//
// Handlers run on Subscribe's goroutine, one at a time, in stream order;
// their ctx is cancelled when the subscription ends. While a handler runs,
// the reader keeps reading heartbeats (coalescing them), so a silent master
// is still noticed; once another event waits, reading stops and TCP pushes
// back on the master. Every goroutine Subscribe starts has ended when it
// returns. Several Subscribe calls may run at once, each with its stream.
func (m *Master) Subscribe(ctx context.Context, h Handler) error {
	if h == nil {
		return errors.New("operator: Subscribe: nil Handler")
	}
	det, err := m.detector()
	if err != nil {
		return err
	}
	s := &subscription{m: m, ctx: ctx, h: h, bo: retry.New(m.cfg.backoffInitial, m.cfg.backoffMax)}
	s.dh, _ = h.(DisconnectHandler)
	err = s.loop(det)
	if err != nil {
		m.log.Error("subscribe ended", zap.Error(err))
	}
	return err
}

// subscription is the state of one Subscribe call, owned by its goroutine.
type subscription struct {
	m          *Master
	ctx        context.Context
	h          Handler
	dh         DisconnectHandler
	bo         *retry.Backoff
	subscribed int // SUBSCRIBED events delivered so far
}

func (s *subscription) loop(det detector.Detector) error {
	m := s.m
	for {
		if s.ctx.Err() != nil {
			return nil
		}
		leader, changed, err := det.Leader(s.ctx)
		if err != nil {
			if s.ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, detector.ErrClosed) {
				return ErrClosed
			}
			return fmt.Errorf("operator: detect the leading master: %w", err)
		}
		if leader == nil {
			m.log.Info("no leading master; waiting for one")
			select {
			case <-s.ctx.Done():
				return nil
			case <-changed:
				continue
			}
		}
		u, err := m.masterURL(det, leader)
		if err == nil {
			out := s.stream(u, changed)
			if s.ctx.Err() != nil {
				return nil
			}
			if out.fatal {
				return out.err
			}
			err = out.err
			if !out.subscribed && detector.Rotate(det, leader) {
				changed = nil // a static list moved on; still back off
			}
			if out.subscribed {
				m.log.Info("event stream ended; resubscribing", zap.String("master", u.Host), zap.Error(err))
			}
		}
		d := s.bo.Next()
		m.log.Warn("subscribe failed; retrying", zap.Error(err), zap.Duration("delay", d))
		if !retry.Sleep(s.ctx, d, changed) {
			return nil
		}
	}
}

// permanentSubscribeStatus reports whether a SUBSCRIBE answered with status
// would get the same answer again: the request or its headers are invalid
// (400, 405, 406, 415) or not authenticated or authorized (401, 403).
// Everything else (503 "Master has not finished recovery", 404 of a
// starting master, ...) is retried.
func permanentSubscribeStatus(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusMethodNotAllowed,
		http.StatusNotAcceptable, http.StatusUnsupportedMediaType:
		return true
	}
	return false
}
