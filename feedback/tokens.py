"""Rater links: core.link_tokens with the rater links' own salt and
purpose (unchanged since they were defined here, so links already sent
keep working)."""

from core import link_tokens
from core.link_tokens import TOKEN_LENGTH, hash_token, looks_like_token, new_nonce

__all__ = ["TOKEN_LENGTH", "hash_token", "looks_like_token", "new_nonce", "token_for"]

_SALT = "feedback.tokens"
_PURPOSE = "feedback-invitation:"


def token_for(nonce: str) -> str:
    return link_tokens.token_for(nonce, salt=_SALT, purpose=_PURPOSE)
