"""A throwaway certificate authority and a server certificate for 127.0.0.1 (trustme).

HTTPS is required: google-api-python-client keeps the discovery document's https scheme for
media upload URLs and only swaps host and port, so a plain-HTTP emulator breaks uploads.
"""

import ssl
from pathlib import Path

import trustme


def make_ssl_context(state_dir: Path) -> tuple[ssl.SSLContext, Path]:
    """Issue a fresh CA and server certificate; write the CA to `state_dir/ca.pem`."""
    ca = trustme.CA(organization_name="Loa platform emulator")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    ca_file = state_dir / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return ctx, ca_file
