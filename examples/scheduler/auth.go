// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/mesoskit/mesoskit/scheduler"
)

// Authentication (-principal, -secret-file): for masters that require frameworks to authenticate
// (--authenticate_http_frameworks). The secret is read from a file, so that it shows in no process list,
// and is never printed.

func addAuthFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.principal, "principal", "", "authenticate as this principal (HTTP Basic; requires -secret-file)")
	fs.StringVar(&o.secretFile, "secret-file", "", "file holding the secret of -principal (a trailing newline is ignored)")
}

func checkAuthFlags(o options) error {
	if (o.principal == "") != (o.secretFile == "") {
		return errors.New("-principal and -secret-file go together")
	}
	return nil
}

// credentialsOption reads -secret-file; it returns a nil Option without -principal.
func credentialsOption(o options) (scheduler.Option, error) {
	if o.principal == "" {
		return nil, nil
	}
	data, err := os.ReadFile(o.secretFile)
	if err != nil {
		return nil, fmt.Errorf("-secret-file: %w", err)
	}
	return scheduler.WithCredentials(o.principal, strings.TrimRight(string(data), "\r\n")), nil
}
