// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mesoskit/mesoskit/executor"
	"github.com/mesoskit/mesoskit/scheduler"
)

// flags are Mesos's mesos-execute flags, under the same names (src/cli/execute.cpp, class Flags).
type flags struct {
	master, name, command, resources, env, role, dockerImage string
	task, taskGroup, killAfter, contentType, principal       string
	secretFile, capabilities                                 string
	shell, checkpoint, partitionAware, verbose               bool
}

func newFlagSet(f *flags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mesos-execute", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.master, "master", "", "Mesos master: host:port, http(s)://host:port, zk://[user:pass@]hosts/path or file:///path (required)")
	fs.StringVar(&f.name, "name", "", "name (and ID) of the task (required without -task and -task_group)")
	fs.StringVar(&f.command, "command", "", "command to launch (required with -shell, the default)")
	fs.BoolVar(&f.shell, "shell", true, "run -command with /bin/sh -c; with -shell=false it is split at spaces into the argv")
	fs.StringVar(&f.resources, "resources", "cpus:1;mem:128", `resources of the task, in Mesos's syntax ("cpus:1;mem:128;ports:[31000-31000]") or as a JSON array`)
	fs.StringVar(&f.env, "env", "", `environment of the command, a JSON object ({"NAME":"value"}) or a file holding one (/path or file:///path)`)
	fs.StringVar(&f.role, "role", "*", "role to register with")
	fs.BoolVar(&f.checkpoint, "checkpoint", false, "enable checkpointing for the framework")
	fs.StringVar(&f.dockerImage, "docker_image", "", "Docker image (<image>:<tag>) to run the command in, with the Mesos containerizer")
	fs.StringVar(&f.task, "task", "", "a TaskInfo in JSON, or a file holding one (/path or file:///path); agent_id need not be set")
	fs.StringVar(&f.taskGroup, "task_group", "", "a TaskGroupInfo in JSON, or a file holding one, launched on the default executor")
	fs.StringVar(&f.killAfter, "kill_after", "", "kill the task this long after it is running (Mesos syntax, 10secs, 2mins; or Go's, 10s)")
	fs.StringVar(&f.contentType, "content_type", "protobuf", "content type spoken with the master: json or protobuf")
	fs.StringVar(&f.principal, "principal", "", "principal for framework authentication")
	fs.StringVar(&f.secretFile, "secret", "", "FILE holding the secret for framework authentication (never the secret itself, which would be visible in ps)")
	fs.StringVar(&f.capabilities, "framework_capabilities", "", "comma-separated framework capabilities to add (TASK_KILLING_STATE, RESERVATION_REFINEMENT and REVOCABLE_RESOURCES are always on)")
	fs.BoolVar(&f.partitionAware, "partition_aware", true, "enable the PARTITION_AWARE capability (-partition_aware=false or --no-partition_aware disables it)")
	fs.BoolVar(&f.verbose, "v", false, "log the library's activity to stderr")
	return fs
}

// mesosBools rewrites Mesos's "--no-<flag>" negation of a boolean flag into Go's "-<flag>=false".
func mesosBools(args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		name, negated := strings.CutPrefix(strings.TrimLeft(a, "-"), "no-")
		switch {
		case a == "--":
			return append(append(out, a), args[len(out)+1:]...)
		case strings.HasPrefix(a, "-") && negated && boolFlags[name]:
			a = "-" + name + "=false"
		}
		out = append(out, a)
	}
	return out
}

var boolFlags = map[string]bool{"shell": true, "checkpoint": true, "partition_aware": true, "v": true}

// check reports every inconsistency of the flags at once, as Mesos's main does one by one.
func (f *flags) check(set map[string]bool) error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if f.master == "" {
		add("missing required option -master")
	}
	switch {
	case f.task != "" && f.taskGroup != "":
		add("either -task or -task_group, not both")
	case f.task == "" && f.taskGroup == "":
		if f.name == "" {
			add("missing required option -name")
		}
		if f.shell && f.command == "" {
			add("missing required option -command")
		}
	default:
		for _, n := range []string{"name", "command", "env", "docker_image", "resources"} {
			if set[n] {
				add("-%s can only be set without -task and -task_group", n)
			}
		}
	}
	if f.contentType != "json" && f.contentType != "protobuf" && f.contentType != scheduler.ContentTypeJSON && f.contentType != scheduler.ContentTypeProtobuf {
		add("invalid -content_type %q: json or protobuf", f.contentType)
	}
	if f.secretFile != "" && f.principal == "" {
		add("-secret needs -principal")
	}
	if _, err := f.killDelay(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (f *flags) mediaType() string {
	if f.contentType == "json" || f.contentType == scheduler.ContentTypeJSON {
		return scheduler.ContentTypeJSON
	}
	return scheduler.ContentTypeProtobuf
}

// killDelay is -kill_after: 0 when unset.
func (f *flags) killDelay() (time.Duration, error) {
	if f.killAfter == "" {
		return 0, nil
	}
	if d, err := executor.ParseDuration(f.killAfter); err == nil {
		return d, nil
	}
	d, err := time.ParseDuration(f.killAfter)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid -kill_after %q: a positive duration such as 10secs or 2mins", f.killAfter)
	}
	return d, nil
}

// readSecret reads the -secret file; only its trailing line break is dropped. The secret is never printed.
func readSecret(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("-secret: %w", err) // the path, not the secret
	}
	secret := strings.TrimRight(string(data), "\r\n")
	if secret == "" {
		return "", fmt.Errorf("-secret: %s is empty", path)
	}
	return secret, nil
}

// jsonOrFile returns value, or the content of the file it names (/path or file:///path), as Mesos's
// -task, -task_group and -env accept.
func jsonOrFile(flagName, value string) ([]byte, error) {
	path, isURL := strings.CutPrefix(value, "file://")
	if !isURL && !strings.HasPrefix(value, "/") {
		return []byte(value), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-%s: %w", flagName, err)
	}
	return data, nil
}

// environment parses -env.
func (f *flags) environment() (map[string]string, error) {
	if f.env == "" {
		return nil, nil
	}
	data, err := jsonOrFile("env", f.env)
	if err != nil {
		return nil, err
	}
	var env map[string]string
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf(`-env: want a JSON object of strings ({"NAME":"value"}): %w`, err)
	}
	return env, nil
}
