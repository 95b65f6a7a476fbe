"""Deprecated request forms, still answered for one release (RFC 9745).

A response to a deprecated form carries ``Deprecation: @<unix time>`` (the
moment the form was deprecated, an RFC 9651 date) and a ``Link`` to its
successor (``rel="successor-version"``) and to the document that describes
both (``rel="deprecation"``). The forms deprecated here put ID numbers in
URLs, which proxies, CDNs and browsers log (issue 17, finding 10)."""

from __future__ import annotations

from datetime import UTC, datetime

DEPRECATED_SINCE = datetime(2026, 12, 3, tzinfo=UTC)  # the release that added the header and body forms
DOCUMENT = "/v1/openapi.json"


def deprecation_headers(successor: str) -> dict[str, str]:
    return {
        "Deprecation": f"@{int(DEPRECATED_SINCE.timestamp())}",
        "Link": f'<{successor}>; rel="successor-version", <{DOCUMENT}>; rel="deprecation"; type="application/json"',
    }
