"""TLS for `--ssl`: the user's certificate, or a local CA and certificate made on the spot."""

from __future__ import annotations

import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TlsSetup:
    context: ssl.SSLContext
    # Where the generated CA lies, so that clients can trust it (None for the user's own files).
    ca_path: Path | None


def server_context(cert: str | None, key: str | None, hosts: list[str]) -> TlsSetup:
    if cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        return TlsSetup(context, None)
    if key is not None:
        raise ValueError("--ssl-key needs --ssl-cert")
    import trustme

    authority = trustme.CA()
    certificate = authority.issue_cert(*hosts)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    folder = Path(tempfile.mkdtemp(prefix="eventsub-mock-tls-"))
    ca_path = folder / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_path))
    return TlsSetup(context, ca_path)
