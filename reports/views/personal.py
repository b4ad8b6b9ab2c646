"""Download all your data (UK GDPR rights of access and to data
portability). There is no id in the address: whoever is signed in gets
their own data and nobody else's."""

import tempfile

from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from reports.personal import export_filename, write_personal_export


@require_http_methods(["GET", "POST"])
def data_export(request):
    """GET explains what is included; POST sends the ZIP."""
    if request.method == "GET":
        return render(request, "accounts/data_export.html")
    # Built in a temporary file, not in memory, and deleted when the response
    # has been sent (FileResponse closes the file, which removes it).
    temporary = tempfile.NamedTemporaryFile(prefix="your-data-", suffix=".zip")
    try:
        write_personal_export(request.user, temporary)
        temporary.seek(0)
    except BaseException:
        temporary.close()
        raise
    response = FileResponse(temporary, as_attachment=True, filename=export_filename(), content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
