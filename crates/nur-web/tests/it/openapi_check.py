"""Checks NUR's served OpenAPI document with validators that share no code with utoipa.

usage: openapi_check.py DOCUMENT.json [ANSWERS.json]

DOCUMENT must be a valid OpenAPI document (openapi-spec-validator picks the version from its
`openapi` field). Each answer in ANSWERS, {"path", "method", "status", "body"}, is an answer
the real server gave: the document must list that status for that operation, and the body
must match the schema it gives for JSON (openapi-schema-validator, OpenAPI 3.1 dialect).
Prints what is wrong and exits 1 on the first failure.
"""

import json
import sys

from openapi_schema_validator import OAS31Validator
from openapi_schema_validator import validate as validate_body
from openapi_spec_validator import validate as validate_document


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = json.load(f)
    try:
        validate_document(doc)
    except Exception as e:  # the validator's own error classes differ between versions
        fail(f"invalid OpenAPI document: {e}")
    if len(sys.argv) < 3:
        return
    with open(sys.argv[2], encoding="utf-8") as f:
        answers = json.load(f)
    for a in answers:
        where = f"{a['method'].upper()} {a['path']} {a['status']}"
        operation = doc["paths"].get(a["path"], {}).get(a["method"])
        if operation is None:
            fail(f"{where}: the document has no such operation")
        response = operation["responses"].get(str(a["status"]))
        if response is None:
            fail(f"{where}: the document does not list this status")
        content = response.get("content", {}).get("application/json")
        if content is None:
            fail(f"{where}: the document gives no JSON body for this status")
        # The schema's references point into the document's components.
        schema = dict(content["schema"], components=doc.get("components", {}))
        try:
            validate_body(a["body"], schema, cls=OAS31Validator)
        except Exception as e:
            fail(f"{where}: the answer does not match the documented schema: {e}")


if __name__ == "__main__":
    main()
