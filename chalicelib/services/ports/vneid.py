"""VNeID, the national e-ID, as an OpenID Connect provider (``chalicelib.vneid.oidc.OidcClient``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: kept off the cold start
    from ...domain.vneid import Identity, Started


class IdentityProvider(Protocol):
    def start(self) -> Started:
        """A new sign-in: fresh ``state``, ``nonce`` and PKCE verifier, and the provider's URL to send
        the person to (which carries the state, the nonce and the verifier's S256 challenge)."""

    def exchange(self, code: str, verifier: str) -> str:
        """The ID token the provider gives for ``code`` and the PKCE ``verifier``."""

    def identity(self, id_token: str, nonce: str) -> Identity:
        """The person the ID token names, once its signature and claims hold (``VneidError`` else)."""
