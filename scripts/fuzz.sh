#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make fuzz: runs every fuzz target for FUZZTIME (default 30s) each, one after the other. A crash leaves its
# input under the package's testdata/fuzz/<target>/, where `go test` replays it from then on: commit it
# with the fix as the regression test. The list below must name every `func Fuzz` of the module (checked).
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}

# package target
TARGETS=(
	"./detector FuzzParse"
	"./detector FuzzDecodeMember"
	"./discovery FuzzParseMember"
	"./executor FuzzParseDuration"
	"./executor FuzzConfigFromLookup"
	"./ha FuzzElectionNodes"
	"./internal/fastpb FuzzUnmarshal"
	"./internal/httpapi FuzzDecodeEventJSON"
	"./internal/httpapi FuzzJSONDecoderAllTypes"
	"./internal/httpapi FuzzDecodeEventProtobuf"
	"./internal/httpapi FuzzUnmarshalStrict"
	"./internal/recordio FuzzReader"
	"./mesostest FuzzParseResources"
	"./mesostest FuzzExecutorAPI"
	"./scheduler FuzzSubscribeStream"
	"./scheduler FuzzUnmarshalOffers"
)

# Every target in the tree must be listed (a new one added without a line here fails make fuzz).
found=$(grep -rhoE --include='*_test.go' '^func (Fuzz[A-Za-z0-9_]+)' . | sed 's/^func //' | sort -u)
listed=$(printf '%s\n' "${TARGETS[@]}" | awk '{print $2}' | sort -u)
missing=$(comm -23 <(echo "$found") <(echo "$listed"))
if [ -n "$missing" ]; then
	echo "fuzz: targets not listed in scripts/fuzz.sh: $missing" >&2
	exit 1
fi

for t in "${TARGETS[@]}"; do
	read -r pkg name <<<"$t"
	echo "fuzz: $pkg $name for $FUZZTIME"
	$GO test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg"
done
echo "fuzz: ${#TARGETS[@]} targets, $FUZZTIME each: no crash"
