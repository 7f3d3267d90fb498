// SPDX-License-Identifier: Apache-2.0

package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds a Chromium for the browser tests: $CHROMIUM, then the
// usual names on PATH. Without one the test is skipped, unless
// MESOSKIT_REQUIRE_BROWSER=1 (make test sets it) makes that a failure.
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("MESOSKIT_REQUIRE_BROWSER") == "1" {
		tb.Fatal("no Chromium found (looked for $CHROMIUM, chromium, chromium-browser, google-chrome) and MESOSKIT_REQUIRE_BROWSER=1")
	}
	tb.Skip("no Chromium found; install Debian's chromium (scripts/deps.sh) or set $CHROMIUM")
	return ""
}

// browser is one headless Chromium with one tab, and a folder for its screenshots.
type browser struct {
	tb    testing.TB
	ctx   context.Context
	shots string
	wait  time.Duration // how long waitText and waitJS wait
}

func newBrowser(tb testing.TB) *browser {
	tb.Helper()
	path := chromiumPath(tb)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		cancel()
		acancel()
		tb.Fatalf("starting Chromium %s: %v", path, err)
	}
	// Screenshots go to $MESOSKIT_CONSOLE_SHOTS (kept), or to a temporary folder kept only on failure.
	shots, keep := os.Getenv("MESOSKIT_CONSOLE_SHOTS"), true
	if shots == "" {
		var err error
		if shots, err = os.MkdirTemp("", "mesoskit-console-"); err != nil {
			tb.Fatal(err)
		}
		keep = false
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		tb.Fatal(err)
	}
	b := &browser{tb: tb, ctx: ctx, shots: shots, wait: 20 * time.Second}
	tb.Cleanup(func() {
		cancel()
		acancel()
		switch {
		case tb.Failed() || keep:
			tb.Logf("screenshots of the console pages: %s", shots)
		default:
			_ = os.RemoveAll(shots)
		}
	})
	return b
}

// run runs chromedp actions with a deadline.
func (b *browser) run(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// open navigates to url and waits for the page's main element.
func (b *browser) open(url string) {
	b.tb.Helper()
	if err := b.run(chromedp.Navigate(url), chromedp.WaitReady(chromedp.ID("main"))); err != nil {
		b.tb.Fatalf("open %s: %v", url, err)
	}
}

// eval evaluates a JavaScript expression whose value is a string.
func (b *browser) eval(expr string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[string](expr))
}

// click clicks the element css selects, in the page itself: the console
// re-renders its tables with every live update, so a node chromedp found
// may be gone by the time chromedp.Click sends its mouse events ("Could not
// find node with given id"); the query and the click here run in one task.
func (b *browser) click(css string) error {
	got, err := b.eval(`(() => { const el = document.querySelector(` + strconv.Quote(css) + `);
		if (!el) { return 'missing'; } el.click(); return 'clicked'; })()`)
	if err == nil && got != "clicked" {
		err = fmt.Errorf("click %s: no such element", css)
	}
	return err
}

// text is what a person reads on the page (header and main).
func (b *browser) text() string {
	s, err := b.eval(`document.body.innerText`)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return s
}

// waitText waits (the browser polls) until the page shows every one of
// want, and fails the test with the page's text and a screenshot if it does
// not within b.wait (20 s by default).
func (b *browser) waitText(name string, want ...string) {
	b.tb.Helper()
	w, _ := json.Marshal(want)
	pred := `(() => { const t = document.body.innerText; return ` + string(w) + `.every((w) => t.includes(w)); })()`
	if err := b.poll(pred); err != nil {
		s := b.text()
		b.shot(name + "-failed")
		b.tb.Fatalf("%s: the page does not show all of %q (%v); it shows:\n%s", name, want, err, s)
	}
}

// poll has the browser evaluate the expression until it is true, for at most b.wait. A navigation (the page
// following the leader to another master) ends a poll; it starts again on the new page.
func (b *browser) poll(expr string) error {
	ctx, cancel := context.WithTimeout(b.ctx, b.wait)
	defer cancel()
	for {
		err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil || ctx.Err() != nil {
			return err
		}
	}
}

// route moves the page to another of its routes, as a click on a link does (no reload).
func (b *browser) route(hash string) {
	b.tb.Helper()
	w, _ := json.Marshal(hash)
	if _, err := b.eval(`location.hash = ` + string(w)); err != nil {
		b.tb.Fatalf("route %s: %v", hash, err)
	}
}

// waitJS waits (the browser polls) until the JavaScript expression is true.
func (b *browser) waitJS(name, expr string) {
	b.tb.Helper()
	if err := b.poll(expr); err != nil {
		s := b.text()
		b.shot(name + "-failed")
		b.tb.Fatalf("%s: %s never became true (%v); the page at %s shows:\n%s", name, expr, err, b.location(), s)
	}
}

// shot saves a PNG of the page under the screenshot folder and returns its path.
func (b *browser) shot(name string) string {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.tb.Logf("screenshot %s: %v", name, err)
		return ""
	}
	p := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.tb.Logf("screenshot %s: %v", name, err)
	}
	return p
}

// location is the page's URL.
func (b *browser) location() string {
	s, err := b.eval(`location.href`)
	if err != nil {
		return fmt.Sprint(err)
	}
	return s
}
