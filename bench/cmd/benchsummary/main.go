// SPDX-License-Identifier: Apache-2.0

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchsummary:", err)
		os.Exit(2)
	}
}

// run parses the flags and prints the verdict table of the files named.
func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("benchsummary", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	conf := fs.Float64("confidence", 0.95, "confidence level of the intervals, in (0, 1)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (usage: benchsummary [-confidence 0.95] FILE [FILE ...])", err)
	}
	if fs.NArg() == 0 {
		return errors.New("usage: benchsummary [-confidence 0.95] FILE [FILE ...]")
	}
	if !(*conf > 0 && *conf < 1) {
		return fmt.Errorf("-confidence %g: want a level in (0, 1)", *conf)
	}
	d, err := read(fs.Args())
	if err != nil {
		return err
	}
	printHeader(out, d, *conf)
	printTable(out, d, *conf)
	return nil
}
