"""Evidence portfolio pages (being written)."""

from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404("Not available yet")


evidence_list = evidence_create = evidence_detail = evidence_edit = evidence_delete = attachment_download = _not_yet
