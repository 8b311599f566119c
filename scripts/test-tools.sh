#!/usr/bin/env bash
# Tools the tests call. From Debian's packages: openssl makes the CA and relay certificates of
# the STARTTLS delivery test. From PyPI: openapi-spec-validator (with openapi-schema-validator)
# checks the served OpenAPI document and the answers against it, independently of utoipa.
set -euo pipefail
if ! command -v openssl >/dev/null; then
  echo "installing Debian's openssl …"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y openssl >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y openssl >/dev/null; }
fi
if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
  echo "installing openapi-spec-validator …"
  python3 -m pip install --quiet --root-user-action=ignore openapi-spec-validator==0.9.0
fi
