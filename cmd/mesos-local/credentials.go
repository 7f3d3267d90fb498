// SPDX-License-Identifier: Apache-2.0

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// readCredentials reads a credentials file as a Mesos master's --credentials flag does
// (src/credentials/credentials.hpp read): JSON {"credentials": [{"principal": "p", "secret": "s"}]}, or, when
// the file is not JSON, one "principal secret" pair per line. The secrets never appear in its errors.
func readCredentials(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	creds := map[string]string{}
	var doc struct {
		Credentials []struct {
			Principal string `json:"principal"`
			Secret    string `json:"secret"`
		} `json:"credentials"`
	}
	if json.Unmarshal(data, &doc) == nil {
		for _, c := range doc.Credentials {
			creds[c.Principal] = c.Secret
		}
	} else {
		for i, line := range strings.Split(string(data), "\n") {
			f := strings.Fields(line)
			switch len(f) {
			case 0:
			case 2:
				creds[f[0]] = f[1]
			default:
				return nil, fmt.Errorf("line %d: want \"principal secret\"", i+1)
			}
		}
	}
	if len(creds) == 0 {
		return nil, errors.New("no credentials")
	}
	for p, s := range creds {
		if p == "" || s == "" {
			return nil, errors.New("a credential with an empty principal or secret")
		}
	}
	return creds, nil
}
