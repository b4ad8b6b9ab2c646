"""Rater links. A link's token is 43 random-looking characters derived, with
the site's secret key, from a random nonce kept on the invitation:

    token = base64url(HMAC-SHA256(key, "feedback-invitation:" + nonce))

The database holds the nonce and the token's SHA-256 hash, never the token,
so a copy of the database alone opens no link. The service can still derive
the same token again to send a reminder, which a stored hash alone could not
do without replacing the link the rater already has. Changing SECRET_KEY
invalidates every rater link (invitations can be sent again)."""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils.encoding import force_bytes

# base64url of 32 bytes, without padding.
TOKEN_LENGTH = 43
_PURPOSE = "feedback-invitation:"


def new_nonce() -> str:
    return secrets.token_hex(32)


def token_for(nonce: str) -> str:
    key = hashlib.sha256(force_bytes("feedback.tokens" + settings.SECRET_KEY)).digest()
    digest = hmac.new(key, force_bytes(_PURPOSE + nonce), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and all(c.isalnum() or c in "-_" for c in token)
