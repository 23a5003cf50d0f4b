"""Reads Prometheus's text format on stdin and prints every sample as one
JSON line: {"name": ..., "labels": {...}, "value": ...}. It parses with the
prometheus_client library's own parser, so a format error fails here."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        print(json.dumps({"name": sample.name, "labels": sample.labels, "value": sample.value}))
