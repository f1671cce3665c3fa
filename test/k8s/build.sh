#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and kubectl of the release pinned in
# test/k8s/go.mod into a cache folder outside the repository, and prints that folder on stdout.
# Does nothing when the four binaries of that release are already there.
#   KUBEPKI_K8S_CACHE   parent folder (default: ${XDG_CACHE_HOME:-~/.cache}/kubepki)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(sed -n 's|^[[:space:]]*k8s.io/kubernetes \(v[0-9][0-9.]*\).*|\1|p' "$here/go.mod")"
[ -n "$version" ] || { echo "build.sh: no 'k8s.io/kubernetes vX.Y.Z' requirement in $here/go.mod" >&2; exit 2; }
out="${KUBEPKI_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubepki}/kubernetes-$version"
programs=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

complete=1
for p in "${programs[@]}"; do [ -x "$out/$p" ] || complete=0; done
if [ "$complete" = 1 ]; then echo "$out"; exit 0; fi

command -v go >/dev/null 2>&1 || { echo "build.sh: go is missing (apt-get install golang-go)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
scratch="$(mktemp -d "$out.partial.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

minor="${version#v*.}"; minor="${minor%%.*}"
pkg=k8s.io/component-base/version
# The version the binaries report (kubectl's skew warning and /version read it); -s -w drop debug tables.
ldflags="-s -w -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$version -X k8s.io/client-go/pkg/version.gitMajor=1"
ldflags+=" -X k8s.io/client-go/pkg/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitTreeState=clean"

echo "building Kubernetes $version (${programs[*]}) into $out; the first build takes a while" >&2
cd "$here"
targets=()
for p in "${programs[@]}"; do targets+=("k8s.io/kubernetes/cmd/$p"); done
CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly -trimpath" go build -ldflags "$ldflags" -o "$scratch/" "${targets[@]}"

mkdir -p "$out"
for p in "${programs[@]}"; do mv -f "$scratch/$p" "$out/$p"; done
echo "$out"
