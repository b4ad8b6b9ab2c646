"""Links for people without an account (360° raters, evidence confirmers).
A link's token is 43 random-looking characters derived, with the site's
secret key, from a random nonce kept on the row it opens:

    token = base64url(HMAC-SHA256(key, purpose + nonce))

The database holds the nonce and the token's SHA-256 hash, never the token,
so a copy of the database alone opens no link. The service can still derive
the same token again to send a reminder, which a stored hash alone could not
do without replacing the link the person already has. Changing SECRET_KEY
invalidates every such link (they can be sent again). Each kind of link has
its own salt and purpose, so a token of one kind never opens another."""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils.encoding import force_bytes

# base64url of 32 bytes, without padding.
TOKEN_LENGTH = 43


def new_nonce() -> str:
    return secrets.token_hex(32)


def token_for(nonce: str, *, salt: str, purpose: str) -> str:
    key = hashlib.sha256(force_bytes(salt + settings.SECRET_KEY)).digest()
    digest = hmac.new(key, force_bytes(purpose + nonce), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return len(token) == TOKEN_LENGTH and all(c.isalnum() or c in "-_" for c in token)
