"""Checks responses against berth's OpenAPI document (data/openapi.json), Python stdlib only.

berth_harness calls check_response() for every response a test receives through
BerthServer.request(), so the document cannot drift from the code: a field the code adds
without the document (berth's own objects set additionalProperties: false), a missing required
field, a wrong type or an undocumented route fails the test that saw it.

The validator covers the subset of JSON Schema (2020-12) the document uses: $ref (local),
type (one or a list), enum, const, properties, required, additionalProperties (boolean or
schema), items, anyOf, oneOf, minimum, maximum, minLength, maxLength, pattern. Other keywords
(description, examples, format, x-berth-*) are annotations and are ignored.
"""

import json
import os
import re

DOCUMENT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data",
                             "openapi.json")
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool)
    or isinstance(v, float) and v.is_integer(),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class SchemaError(Exception):
    pass


def resolve(root, ref):
    if not ref.startswith("#/"):
        raise SchemaError("only local $ref is supported: " + ref)
    node = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def validate(schema, value, root, where="$"):
    """Returns a list of problems (empty: valid)."""
    if schema is True or schema == {}:
        return []
    if schema is False:
        return ["%s: not allowed" % where]
    if "$ref" in schema:
        return validate(resolve(root, schema["$ref"]), value, root, where)
    problems = []
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_TYPES[t](value) for t in names):
            return ["%s: expected %s, got %s" % (where, "/".join(names), json.dumps(value)[:80])]
    if "enum" in schema and value not in schema["enum"]:
        problems.append("%s: %r is not one of %r" % (where, value, schema["enum"]))
    if "const" in schema and value != schema["const"]:
        problems.append("%s: expected %r, got %r" % (where, schema["const"], value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append("%s: %r < minimum %r" % (where, value, schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            problems.append("%s: %r > maximum %r" % (where, value, schema["maximum"]))
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append("%s: shorter than %d" % (where, schema["minLength"]))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append("%s: longer than %d" % (where, schema["maxLength"]))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append("%s: %r does not match %s" % (where, value, schema["pattern"]))
    if isinstance(value, dict):
        problems += _validate_object(schema, value, root, where)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += validate(schema["items"], item, root, "%s[%d]" % (where, i))
    for key in ("anyOf", "oneOf"):
        if key in schema:
            passing = [s for s in schema[key] if not validate(s, value, root, where)]
            if not passing or (key == "oneOf" and len(passing) > 1):
                problems.append("%s: matches %d of the %s schemas" % (where, len(passing), key))
    return problems


def _validate_object(schema, value, root, where):
    problems = []
    props = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            problems.append("%s: required field %r is missing" % (where, name))
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in props:
            problems += validate(props[name], item, root, "%s.%s" % (where, name))
        elif extra is False:
            problems.append("%s: field %r is not in the document" % (where, name))
        elif isinstance(extra, dict):
            problems += validate(extra, item, root, "%s.%s" % (where, name))
    return problems


class OpenApi:
    """The document with its path templates compiled for lookup."""

    def __init__(self, document):
        self.doc = document
        self.routes = []
        for template, item in document["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            self.routes.append((re.compile(pattern), template, item))

    def path_item(self, path):
        for pattern, template, item in self.routes:
            if pattern.match(path):
                return template, item
        return None, None

    def error_response(self, path):
        return "OpenAiError" if path.startswith("/compatible-mode/") else "Error"

    def response_problems(self, method, target, status, content_type, raw):
        """Problems with one response; [] when it matches the document."""
        # berth's router ignores empty segments ("/api/v1/deployments/x/" is ".../x").
        path = "/" + "/".join(seg for seg in target.split("?", 1)[0].split("/") if seg)
        if method == "HEAD" or status == 304:
            return []
        template, item = self.path_item(path)
        operation = item.get(method.lower()) if item else None
        if operation is None:
            if status < 400:
                return ["%s %s answered %d but the document has no such operation"
                        % (method, path, status)]
            template = path  # an unknown route or method: the error response of its API
            response = {"$ref": "#/components/responses/" + self.error_response(path)}
        else:
            responses = operation["responses"]
            response = responses.get(str(status)) or responses.get("default")
            if response is None:
                return ["%s %s: status %d is not documented" % (method, template, status)]
        if "$ref" in response:
            response = resolve(self.doc, response["$ref"])
        media = (content_type or "").split(";")[0].strip().lower()
        content = response.get("content")
        if not content:
            return []
        if media not in content:
            return ["%s %s %d: content type %r is not documented (%s)"
                    % (method, template, status, media, ", ".join(content))]
        if media != "application/json":
            return []
        return self._body_problems(content[media]["schema"], raw,
                                   "%s %s %d" % (method, template, status))

    def _body_problems(self, schema, raw, label):
        try:
            value = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return ["%s: the body is not JSON: %r" % (label, raw[:120])]
        return ["%s: %s" % (label, p) for p in validate(schema, value, self.doc)]


_LOADED = None


def document():
    global _LOADED
    if _LOADED is None:
        with open(DOCUMENT_PATH, encoding="utf-8") as f:
            _LOADED = OpenApi(json.load(f))
    return _LOADED


def check_response(method, target, status, headers, raw):
    """Raises AssertionError naming every way the response departs from the document."""
    problems = document().response_problems(method, target, status,
                                            headers.get("content-type", ""), raw)
    if problems:
        raise AssertionError("response does not match data/openapi.json:\n  " +
                             "\n  ".join(problems[:10]) + "\nbody: " +
                             raw[:400].decode("utf-8", errors="replace"))
