#!/usr/bin/env bash
# Command-line tools the tests call, from Debian's packages: openssl makes the CA and relay
# certificates of the STARTTLS delivery test.
set -euo pipefail
if ! command -v openssl >/dev/null; then
  echo "installing Debian's openssl …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y openssl >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y openssl >/dev/null; }
fi
