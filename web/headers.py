"""Security headers on every response, and a server that does not say what it runs.

The pages load only their own static files: no inline script, no inline event handler, server
data reaches the scripts through `data-` attributes and `<script type="application/json">`
blocks (not executed). So a string that slips into a page can never run as script."""
from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler

SERVER = "hall"

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    # Styles only from the hall's stylesheets; scripts set sizes through the CSSOM (el.style),
    # which a CSP does not restrict, so no 'unsafe-inline' is needed.
    "style-src 'self'",
    "img-src 'self' data:",            # QR codes are same-origin SVGs; the blank favicon is data:
    "media-src 'self'",                # the wall's announcements (/api/announcements/*.wav)
    "connect-src 'self'",              # fetch and Socket.IO; chromium's 'self' covers ws(s) of the same host
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",   # a ticket's link (/t/<token>) never leaves in a Referer
    "X-Frame-Options": "DENY",          # for browsers older than frame-ancestors
}
# Not "Server" here: Werkzeug writes its own before the app's (two would go out); QuietHandler
# below makes that one say just "hall".


def register(app) -> None:
    @app.after_request
    def _security_headers(response):
        for name, value in HEADERS.items():
            response.headers[name] = value
        return response


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without "Werkzeug/x.y Python/3.z" in the Server header (also on the
    answers Flask never sees: Socket.IO's, and Werkzeug's own errors)."""

    def version_string(self) -> str:
        return SERVER
