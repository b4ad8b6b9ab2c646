"""{% asset "path" %}: the address of a static file, as {% static %} gives
it, worked out once per process for each file.

Every page's layout names seven static files. With the manifest storage
each {% static %} normalises the path and looks up its hashed name, about
two hundred Python calls, the same answer on every request until the next
deploy (collectstatic runs before the servers start). So the address is
kept: the address of a file, never a page or any part of one. The
addresses are forgotten when the storage is replaced (a test that changes
STORAGES gets a new storage object)."""

from django import template
from django.contrib.staticfiles.storage import STATICFILES_STORAGE_ALIAS
from django.core.files.storage import storages

register = template.Library()

_kept: dict = {"storage": None, "addresses": {}}


@register.simple_tag
def asset(path: str) -> str:
    storage = storages[STATICFILES_STORAGE_ALIAS]
    if _kept["storage"] is not storage:
        _kept["storage"], _kept["addresses"] = storage, {}
    addresses = _kept["addresses"]
    if path not in addresses:
        addresses[path] = storage.url(path)
    return addresses[path]
