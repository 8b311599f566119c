#!/usr/bin/env bash
# Tools the tests call. From Debian's packages: openssl makes the CA and relay certificates of
# the STARTTLS delivery test; xmllint (libxml2-utils) validates the pain.001 payment files
# against ISO 20022's schema. From PyPI: openapi-spec-validator (with openapi-schema-validator)
# checks the served OpenAPI document and the answers against it, independently of utoipa; the
# sepaxml package is only where the official pain.001.001.09 XSD is taken from (one file,
# unpacked into target/xsd, never installed).
set -euo pipefail
cd "$(dirname "$0")/.."
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "$1" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$1" >/dev/null; }
}
if ! command -v openssl >/dev/null; then
  echo "installing Debian's openssl …"
  apt_install openssl
fi
if ! command -v xmllint >/dev/null; then
  echo "installing Debian's libxml2-utils (xmllint) …"
  apt_install libxml2-utils
fi
if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
  echo "installing openapi-spec-validator …"
  python3 -m pip install --quiet --root-user-action=ignore openapi-spec-validator==0.9.0
fi
xsd=target/xsd/pain.001.001.09.xsd
if [ ! -s "$xsd" ]; then
  echo "fetching the pain.001.001.09 schema (PyPI sepaxml 2.7.0) …"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: sepaxml==2.7.0 -d "$tmp"
  mkdir -p target/xsd
  python3 - "$tmp" "$xsd" <<'PY'
import glob, sys, zipfile
wheel, out = glob.glob(sys.argv[1] + "/sepaxml-2.7.0*.whl")[0], sys.argv[2]
with zipfile.ZipFile(wheel) as z, open(out + ".part", "wb") as f:
    f.write(z.read("sepaxml/schemas/pain.001.001.09.xsd"))
PY
  mv "$xsd.part" "$xsd"
fi
