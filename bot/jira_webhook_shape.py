"""How a Jira webhook delivery is named for deduplication (its body is read by the adapter)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

# Header values echoed into a dedupe key: printable, short, nothing a log line would mangle.
_DELIVERY_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")


def delivery_key(header: str | None, payload: dict[str, Any]) -> str:
    """Name a delivery for deduplication: Jira's identifier, else a hash of the content.

    Without the identifier, the same body delivered twice is the same delivery; canonical
    JSON makes re-serialised copies (other key order or spacing) hash alike.
    """
    if header:
        if _DELIVERY_ID.match(header):
            return f"jira:{header}"
        return f"jira:id-sha256:{hashlib.sha256(header.encode('utf-8', 'replace')).hexdigest()}"
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return f"jira:sha256:{digest}"
