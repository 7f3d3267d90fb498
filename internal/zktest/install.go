// SPDX-License-Identifier: Apache-2.0

package zktest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// debianJars is where Debian's `zookeeper` package puts its jars. zookeeper.jar's manifest names its
// dependencies; slf4j-simple makes the server log at all.
const debianJars = "/usr/share/java"

// installation says how to run a ZooKeeper server on this machine.
type installation struct {
	java      string // path of the java binary
	classpath string
}

// findInstallation looks for ZOOKEEPER_HOME (an Apache binary distribution: lib/*.jar, conf/) first, then
// Debian's package, and for java in JAVA_HOME, then PATH.
func findInstallation() (installation, error) {
	var inst installation
	if home := os.Getenv("ZOOKEEPER_HOME"); home != "" {
		jars, _ := filepath.Glob(filepath.Join(home, "lib", "zookeeper-*.jar"))
		top, _ := filepath.Glob(filepath.Join(home, "zookeeper-*.jar"))
		if len(jars)+len(top) == 0 {
			return inst, fmt.Errorf("%w (ZOOKEEPER_HOME=%s has no zookeeper-*.jar in lib/)", ErrNotInstalled, home)
		}
		inst.classpath = strings.Join([]string{
			filepath.Join(home, "conf"), filepath.Join(home, "lib", "*"), filepath.Join(home, "*"),
		}, string(os.PathListSeparator))
	} else {
		zkJar := filepath.Join(debianJars, "zookeeper.jar")
		if _, err := os.Stat(zkJar); err != nil {
			return inst, ErrNotInstalled
		}
		cp := []string{zkJar}
		if logJar := filepath.Join(debianJars, "slf4j-simple.jar"); fileExists(logJar) {
			cp = append(cp, logJar)
		}
		inst.classpath = strings.Join(cp, string(os.PathListSeparator))
	}
	if jh := os.Getenv("JAVA_HOME"); jh != "" && fileExists(filepath.Join(jh, "bin", "java")) {
		inst.java = filepath.Join(jh, "bin", "java")
	} else {
		java, err := exec.LookPath("java")
		if err != nil {
			return inst, fmt.Errorf("%w (no java runtime found in JAVA_HOME or PATH)", ErrNotInstalled)
		}
		inst.java = java
	}
	return inst, nil
}

// Available reports whether ZooKeeper and a Java runtime are installed. The error wraps [ErrNotInstalled].
func Available() error {
	_, err := findInstallation()
	return err
}

// RequireZK reports whether the environment demands that ZooKeeper tests run (MESOSKIT_REQUIRE_ZK=1, set by
// `make test`): then a missing installation fails a test instead of skipping it.
func RequireZK() bool { return os.Getenv("MESOSKIT_REQUIRE_ZK") == "1" }

// SkipIfUnavailable skips t when ZooKeeper is not installed, or fails it when [RequireZK] is true.
func SkipIfUnavailable(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		if RequireZK() {
			t.Fatal(err.Error() + " (required: MESOSKIT_REQUIRE_ZK=1)")
		}
		t.Skip("ZooKeeper not installed: apt-get install zookeeper, or set ZOOKEEPER_HOME")
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
