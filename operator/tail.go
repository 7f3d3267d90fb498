// SPDX-License-Identifier: Apache-2.0

package operator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// DefaultTailInterval is how often TailFile asks for new bytes while
// following a file that does not grow (the Mesos web UI's pailer polls on
// a similar period).
const DefaultTailInterval = time.Second

// TailOption configures TailFile.
type TailOption func(*tailConfig)

type tailConfig struct {
	from     int64 // ≥ 0: offset; < 0: that many bytes before the end
	follow   bool
	interval time.Duration
	until    <-chan struct{}
	limit    int64 // 0: none
	chunk    int64
}

// TailFrom starts at the given offset of the file. A negative offset starts
// that many bytes before the end, as "tail -c" does (at 0 if the file is
// shorter). Default 0: the whole file.
func TailFrom(offset int64) TailOption { return func(c *tailConfig) { c.from = offset } }

// TailFollow keeps reading after the end of the file, as "tail -f" does:
// every interval (DefaultTailInterval when ≤ 0) TailFile asks for new
// bytes. It stops when ctx ends or the channel of TailUntil is closed. A
// file that does not exist yet (404) is waited for, and a file that shrinks
// (rotated by a container logger) is read again from its start.
func TailFollow(interval time.Duration) TailOption {
	return func(c *tailConfig) {
		c.follow = true
		if interval <= 0 {
			interval = DefaultTailInterval
		}
		c.interval = interval
	}
}

// TailUntil makes a following TailFile stop once done is closed, after
// reading what the file holds at that moment: close it when the task has
// ended (a terminal status update) to get the whole of its output.
func TailUntil(done <-chan struct{}) TailOption { return func(c *tailConfig) { c.until = done } }

// TailLimit stops TailFile after n bytes (n > 0). Default: no limit.
func TailLimit(n int64) TailOption { return func(c *tailConfig) { c.limit = n } }

// TailChunk sets the length asked for in each /files/read request, between
// 1 and MaxReadLength (the default).
func TailChunk(n int64) TailOption { return func(c *tailConfig) { c.chunk = n } }

// TailFile copies the file at the virtual path of the agent's files API to
// w, in chunks of at most MaxReadLength bytes read with /files/read, and
// returns how many bytes it wrote. Use SandboxPath for a task's stdout or
// stderr:
//
//	n, err := agent.TailFile(ctx, operator.SandboxPath(fwID, taskID)+"/stdout", os.Stdout,
//		operator.TailFollow(time.Second), operator.TailUntil(taskEnded))
//
// Without TailFollow it stops at the end of the file. It returns nil when
// it reaches the end it was asked for (the end of the file, TailLimit, or
// TailUntil) and, while following, when ctx ends; otherwise the first error
// of the agent (an *APIError: 404 for a path that does not exist, 400 for a
// directory), of the transport after the read retries, or of w. It holds at
// most one chunk in memory.
func (a *Agent) TailFile(ctx context.Context, path string, w io.Writer, opts ...TailOption) (int64, error) {
	cfg := tailConfig{chunk: MaxReadLength, interval: DefaultTailInterval}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.chunk < 1 || cfg.chunk > MaxReadLength {
		return 0, fmt.Errorf("operator: TailChunk: %d is not between 1 and %d", cfg.chunk, MaxReadLength)
	}
	if cfg.limit < 0 {
		return 0, fmt.Errorf("operator: TailLimit: %d must be positive", cfg.limit)
	}
	t := &tailer{a: a, path: path, w: w, cfg: cfg}
	err := t.run(ctx)
	if err != nil && cfg.follow && ctx.Err() != nil {
		err = nil // following ends when the caller cancels
	}
	return t.written, err
}

type tailer struct {
	a       *Agent
	path    string
	w       io.Writer
	cfg     tailConfig
	offset  int64
	written int64
}

func (t *tailer) run(ctx context.Context) error {
	if err := t.start(ctx); err != nil {
		return err
	}
	final := false // TailUntil fired: read to the end once more, then stop
	for {
		n, err := t.readChunk(ctx)
		if err != nil {
			return err
		}
		if t.cfg.limit > 0 && t.written >= t.cfg.limit {
			return nil
		}
		if n > 0 {
			continue
		}
		// At the end of the file.
		if !t.cfg.follow || final {
			return nil
		}
		if err := t.checkTruncated(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.cfg.until:
			final = true
			continue
		case <-time.After(t.cfg.interval):
		}
	}
}

// start finds the first offset, waiting for the file while following.
func (t *tailer) start(ctx context.Context) error {
	if t.cfg.from >= 0 {
		t.offset = t.cfg.from
		return nil
	}
	for {
		size, err := t.a.FileSize(ctx, t.path)
		if err == nil {
			t.offset = max(size+t.cfg.from, 0)
			return nil
		}
		if !t.waitForFile(ctx, err) {
			return err
		}
	}
}

// waitForFile reports whether err is a 404 that a following tail waits out
// (the executor has not created the file yet), after waiting an interval.
func (t *tailer) waitForFile(ctx context.Context, err error) bool {
	var apiErr *APIError
	if !t.cfg.follow || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		return false
	}
	t.a.log.Debug("waiting for the file to appear", zap.String("path", t.path))
	select {
	case <-ctx.Done():
		return false
	case <-time.After(t.cfg.interval):
		return true
	}
}

// readChunk reads the next chunk and writes it; it returns the chunk size.
func (t *tailer) readChunk(ctx context.Context) (int, error) {
	length := t.cfg.chunk
	if t.cfg.limit > 0 {
		length = min(length, t.cfg.limit-t.written)
	}
	for {
		data, _, err := t.a.filesRead(ctx, t.path, t.offset, length)
		if err != nil {
			if t.waitForFile(ctx, err) {
				continue
			}
			return 0, err
		}
		if len(data) == 0 {
			return 0, nil
		}
		n, err := t.w.Write(data)
		t.written += int64(n)
		t.offset += int64(n)
		if err == nil && n < len(data) {
			err = io.ErrShortWrite
		}
		if err != nil {
			return n, fmt.Errorf("operator: tail %s: write: %w", t.path, err)
		}
		return n, nil
	}
}

// checkTruncated starts over from the beginning of a file that has become
// shorter than the offset reached.
func (t *tailer) checkTruncated(ctx context.Context) error {
	size, err := t.a.FileSize(ctx, t.path)
	if err != nil {
		if t.waitForFile(ctx, err) {
			return nil
		}
		return err
	}
	if size < t.offset {
		t.a.log.Info("file shrank; reading it from the start", zap.String("path", t.path),
			zap.Int64("size", size), zap.Int64("offset", t.offset))
		t.offset = 0
	}
	return nil
}
