#!/usr/bin/env bash
# Installs the Debian 12 packages xpusim needs, skipping what is already there. Run as root (or
# with sudo available). Idempotent and quiet when nothing is missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libsystemc-dev libyaml-cpp-dev libgtest-dev libgmock-dev
      libboost-dev libgraphviz-dev graphviz libprotobuf-dev protobuf-compiler
      python3-matplotlib python3-numpy libsqlite3-dev
      libopenmpi-dev openmpi-bin
      nlohmann-json3-dev
      python3-dev pybind11-dev      # the Python module (built against /usr/bin/python3)
      chromium)                     # renders the HTML reports in the test suite (headless)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "xpusim: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
