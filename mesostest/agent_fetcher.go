// SPDX-License-Identifier: Apache-2.0

package mesostest

import (
	"archive/tar"
	"archive/zip"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mesoskit/mesoskit/mesosproto"
)

// DefaultFetchLimit bounds what the fetcher writes for one URI (the
// download, or the files an archive extracts to): 1 GiB.
const DefaultFetchLimit = 1 << 30

// fetchStallTimeout is the agent's --fetcher_stall_timeout default: a
// download that receives nothing for this long fails.
const fetchStallTimeout = time.Minute

// WithFetchLimit sets how many bytes the fetcher writes at most for one
// URI of CommandInfo.uris, downloaded or extracted (default
// DefaultFetchLimit); a URI that needs more fails the launch as any failed
// fetch does. Mesos has no such limit: it guards this process's memory and
// disk.
func WithFetchLimit(n int64) Option { return func(c *config) { c.agent.fetchLimit = n } }

// errFetchLimit is a download or extraction beyond the fetch limit.
var errFetchLimit = errors.New("mesostest: fetch limit exceeded")

// fetchURIs fetches the URIs of a CommandInfo into the sandbox before the
// container runs, as the agent's fetcher does (FetcherProcess::fetch,
// src/slave/containerizer/fetcher.cpp, and the mesos-fetcher program,
// src/launcher/fetcher.cpp, without its cache). The error is the launch
// failure's text: "Could not fetch: <reason>" for URIs the agent refuses,
// "Failed to fetch all URIs for container '<id>': exited with status 1"
// when one could not be fetched; the reason of the latter goes to the
// sandbox's stderr, as mesos-fetcher logs it there.
func (s *Server) fetchURIs(ctx context.Context, containerID, sandbox string, uris []*mesosproto.CommandInfo_URI) error {
	if len(uris) == 0 {
		return nil
	}
	for _, u := range uris {
		if err := validateFetchURI(u); err != nil {
			return mesosErr("Could not fetch: " + err.Error())
		}
	}
	if err := os.MkdirAll(sandbox, 0o755); err != nil {
		return mesosErrf("Failed to fetch all URIs for container '%s': %v", containerID, err)
	}
	limit := s.cfg.agent.fetchLimit
	if limit <= 0 {
		limit = DefaultFetchLimit
	}
	tr := &http.Transport{Proxy: nil, ResponseHeaderTimeout: fetchStallTimeout}
	defer tr.CloseIdleConnections()
	f := fetcher{ctx: ctx, sandbox: sandbox, limit: limit, client: &http.Client{Transport: tr}}
	for _, u := range uris {
		if err := f.fetchOne(u); err != nil {
			logFetchFailure(sandbox, u.GetValue(), err)
			return mesosErrf("Failed to fetch all URIs for container '%s': exited with status 1", containerID)
		}
	}
	return nil
}

// logFetchFailure appends mesos-fetcher's last words to the sandbox stderr.
func logFetchFailure(sandbox, uri string, err error) {
	f, ferr := os.OpenFile(filepath.Join(sandbox, "stderr"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if ferr != nil {
		return
	}
	defer f.Close()
	_, _ = fmt.Fprintf(f, "Failed to fetch '%s': %v\n", uri, err)
}

// validateFetchURI is validateUris (src/slave/containerizer/fetcher.cpp).
func validateFetchURI(u *mesosproto.CommandInfo_URI) error {
	if _, err := fetchBasename(u.GetValue()); err != nil {
		return err
	}
	if u.OutputFile != nil {
		switch out := u.GetOutputFile(); {
		case out == "":
			return mesosErr("URI output file path is empty")
		case strings.HasPrefix(out, "/"):
			return mesosErr("URI output file must be within the sandbox directory")
		}
	}
	return nil
}

// fetchBasename is Fetcher::basename: the part of the URI after its last
// "/", the URI being taken as a path.
func fetchBasename(uri string) (string, error) {
	if strings.ContainsAny(uri, "\\'\x00") {
		return "", mesosErr("Illegal characters in URI")
	}
	if i := strings.Index(uri, "://"); i > 1 {
		p := uri[i+3:]
		slash := strings.IndexByte(p, '/')
		if slash < 0 || len(p) <= slash+1 {
			return "", mesosErr("Malformed URI (missing path): " + uri)
		}
		return p[strings.LastIndexByte(p, '/')+1:], nil
	}
	return path.Base(uri), nil
}

type fetcher struct {
	ctx     context.Context
	sandbox string
	limit   int64
	client  *http.Client
}

// fetchOne is fetchBypassingCache (src/launcher/fetcher.cpp): the URI goes
// to output_file or its basename in the sandbox, then is made executable,
// or else extracted when asked and it is an archive.
func (f *fetcher) fetchOne(u *mesosproto.CommandInfo_URI) error {
	name := u.GetOutputFile()
	if u.OutputFile == nil {
		var err error
		if name, err = fetchBasename(u.GetValue()); err != nil {
			return err
		}
	} else if dir := path.Dir(name); dir != "." {
		if err := os.MkdirAll(filepath.Join(f.sandbox, dir), 0o755); err != nil {
			return mesosErrf("Unable to create subdirectory %s in sandbox: %v", dir, err)
		}
	}
	dest := filepath.Join(f.sandbox, name)
	if !within(f.sandbox, dest) {
		return mesosErr("URI output file must be within the sandbox directory")
	}
	if err := f.download(strings.TrimLeft(u.GetValue(), " \t\n\v\f\r"), dest); err != nil {
		return err
	}
	if u.GetExecutable() {
		// S_IRWXU | S_IRGRP | S_IXGRP | S_IROTH | S_IXOTH (chmodExecutable).
		if err := os.Chmod(dest, 0o755); err != nil {
			return mesosErrf("Failed to chmod executable '%s': %v", dest, err)
		}
		return nil
	}
	if u.GetExtract() {
		return f.extract(dest)
	}
	return nil
}

// download is download(): a local path or file:// URI is copied; http and
// https are downloaded and must answer 200. Other schemes would go to the
// Hadoop client, which mesostest does not have.
func (f *fetcher) download(uri, dest string) error {
	local, isFile := strings.CutPrefix(uri, "file://")
	switch {
	case isFile || !strings.Contains(uri, "://"):
		local = strings.TrimPrefix(local, "localhost")
		if !filepath.IsAbs(local) {
			if isFile {
				return mesosErr("File URI only supports absolute paths")
			}
			return mesosErr("A relative path was passed for the resource but the Mesos framework home was not specified. " +
				"Please either provide this config option or avoid using a relative path")
		}
		src, err := os.Open(local)
		if err != nil {
			return err
		}
		defer src.Close()
		return f.writeFile(dest, src, 0o644)
	case strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://"):
		ctx, cancel := context.WithCancel(f.ctx)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
		if err != nil {
			return mesosErr("Error downloading resource: " + err.Error())
		}
		resp, err := f.client.Do(req)
		if err != nil {
			return mesosErr("Error downloading resource: " + err.Error())
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return mesosErr("Error downloading resource, received HTTP return code " + strconv.Itoa(resp.StatusCode))
		}
		stall := time.AfterFunc(fetchStallTimeout, cancel)
		defer stall.Stop()
		return f.writeFile(dest, &stallReader{r: resp.Body, timer: stall}, 0o644)
	}
	return mesosErr("Failed to create HDFS client: mesostest fetches only local paths, file://, http:// and https://")
}

// stallReader re-arms its timer, which cancels the download, at every read
// that returns data (--fetcher_stall_timeout).
type stallReader struct {
	r     io.Reader
	timer *time.Timer
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.timer.Reset(fetchStallTimeout)
	}
	return n, err
}

// writeFile writes r to dest, at most the fetch limit.
func (f *fetcher) writeFile(dest string, r io.Reader, mode os.FileMode) error {
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(r, f.limit+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > f.limit {
		err = fmt.Errorf("%w (%d bytes)", errFetchLimit, f.limit)
	}
	return err
}

// within reports whether p is dir or below it.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// extract is extract() of src/launcher/fetcher.cpp: archives (by their
// extension) are extracted into the sandbox, a bare .gz is uncompressed
// next to it without the extension, anything else stays as it is.
func (f *fetcher) extract(src string) error {
	wrap := func(err error) error {
		return mesosErrf("Failed to extract archive '%s' to '%s': %v", src, f.sandbox, err)
	}
	has := func(exts ...string) bool {
		for _, e := range exts {
			if strings.HasSuffix(src, e) {
				return true
			}
		}
		return false
	}
	switch {
	case has(".zip"):
		if err := f.extractZip(src); err != nil {
			return wrap(err)
		}
	case has(".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz"):
		if err := f.extractTar(src); err != nil {
			return wrap(err)
		}
	case has(".gz"):
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		defer in.Close()
		zr, err := gzip.NewReader(in)
		if err != nil {
			return mesosErrf("Failed to extract '%s': 'gunzip -d -c' failed: %v", src, err)
		}
		dest := filepath.Join(f.sandbox, filepath.Base(strings.TrimSuffix(src, ".gz")))
		if err := f.writeFile(dest, zr, 0o644); err != nil {
			return mesosErrf("Failed to extract '%s': 'gunzip -d -c' failed: %v", src, err)
		}
	}
	return nil
}

// extractTar extracts a tar file, plain or compressed with gzip, bzip2 or
// xz (the last through the xz program, as libarchive may use it too).
func (f *fetcher) extractTar(src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	var r io.Reader = in
	switch {
	case strings.HasSuffix(src, ".tgz") || strings.HasSuffix(src, ".tar.gz"):
		zr, err := gzip.NewReader(in)
		if err != nil {
			return err
		}
		r = zr
	case strings.HasSuffix(src, ".tbz2") || strings.HasSuffix(src, ".tar.bz2"):
		r = bzip2.NewReader(in)
	case strings.HasSuffix(src, ".txz") || strings.HasSuffix(src, ".tar.xz"):
		cmd := exec.CommandContext(f.ctx, "xz", "-d", "-c")
		cmd.Stdin = in
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		err = f.untar(out)
		_, _ = io.Copy(io.Discard, out)
		if werr := cmd.Wait(); err == nil && werr != nil {
			err = fmt.Errorf("xz: %w", werr)
		}
		return err
	}
	return f.untar(r)
}

// untar writes the directories and regular files of a tar stream into the
// sandbox; an entry leaving it (ARCHIVE_EXTRACT_SECURE_NODOTDOT) or a link
// is refused.
func (f *fetcher) untar(r io.Reader) error {
	tr := tar.NewReader(r)
	budget := f.limit
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		dest, err := f.entryPath(h.Name)
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dest, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if budget -= h.Size; budget < 0 {
				return errFetchLimit
			}
			if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
				return err
			}
			if err := f.writeFile(dest, tr, os.FileMode(h.Mode)&0o777); err != nil {
				return err
			}
		default:
			return fmt.Errorf("mesostest: archive entry %q of type %q is not extracted", h.Name, h.Typeflag)
		}
	}
}

func (f *fetcher) extractZip(src string) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer zr.Close()
	budget := f.limit
	for _, zf := range zr.File {
		dest, err := f.entryPath(zf.Name)
		if err != nil {
			return err
		}
		if zf.FileInfo().IsDir() {
			if err := os.MkdirAll(dest, 0o755); err != nil {
				return err
			}
			continue
		}
		if !zf.Mode().IsRegular() {
			return fmt.Errorf("mesostest: archive entry %q is not extracted", zf.Name)
		}
		if budget -= int64(zf.UncompressedSize64); budget < 0 || zf.UncompressedSize64 > uint64(f.limit) {
			return errFetchLimit
		}
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		err = f.writeFile(dest, rc, zf.Mode()&0o777)
		_ = rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// entryPath is where an archive entry goes, refusing any that would leave
// the sandbox.
func (f *fetcher) entryPath(name string) (string, error) {
	dest := filepath.Join(f.sandbox, filepath.FromSlash(name))
	if filepath.IsAbs(name) || !within(f.sandbox, dest) {
		return "", fmt.Errorf("mesostest: archive entry %q leaves the sandbox", name)
	}
	return dest, nil
}
