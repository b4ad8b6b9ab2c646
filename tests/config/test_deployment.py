"""Running on more than one machine: app servers keep no state of their own.
Files go to S3-compatible object storage, the cache is shared through the
database, and static files are served with far-future caching. Settings are
chosen by environment variables only."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from moto import mock_aws

from core import rate_limit
from feedback.views import rater as rater_views
from portfolios.models import EvidenceAttachment
from tests.conftest import signed_in
from tests.portfolios.test_evidence import CREATE_URL, evidence_post, framework, loaded_framework  # noqa: F401 (fixtures)

BASE_DIR = Path(django_settings.BASE_DIR)
FAR_FUTURE = "max-age=315360000, public, immutable"

# Prints the settings that decide where state lives, as the given environment
# makes them, in a fresh interpreter (settings are read once per process).
PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({"STORAGES": settings.STORAGES, "CACHES": settings.CACHES}, default=str))
"""


def resolve_settings(**env) -> subprocess.CompletedProcess:
    # Start from this environment without any of the project's own settings,
    # so the result depends only on what the test passes.
    base = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "AWS_"))}
    base.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_SECRET_KEY": "t"}, **env)
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=BASE_DIR, env=base, capture_output=True, text=True, timeout=60
    )


def resolved(**env) -> dict:
    result = resolve_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# Settings chosen by environment ----------------------------------------------------


def test_without_deployment_variables_files_stay_on_local_disk_and_the_cache_in_the_process():
    found = resolved()
    assert found["STORAGES"]["default"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(BASE_DIR / "var" / "private"), "base_url": None},
    }
    assert found["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert found["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_s3_storage_takes_bucket_endpoint_region_and_prefix_from_the_environment_and_keeps_files_private():
    found = resolved(
        DJANGO_STORAGE="s3",
        DJANGO_S3_BUCKET="capability-files",
        DJANGO_S3_ENDPOINT_URL="https://objects.example.org",
        DJANGO_S3_REGION="uk-london-1",
        DJANGO_S3_PREFIX="/production/",
        DJANGO_S3_ADDRESSING_STYLE="path",
    )
    default = found["STORAGES"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"] == {
        "bucket_name": "capability-files",
        "endpoint_url": "https://objects.example.org",
        "region_name": "uk-london-1",
        "addressing_style": "path",
        "location": "production",
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "max_memory_size": 2_621_440,
    }
    # Static files are still built into each server's image, not the bucket.
    assert found["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_s3_storage_with_only_a_bucket_uses_aws_defaults_and_no_credentials_come_from_settings():
    options = resolved(DJANGO_STORAGE="s3", DJANGO_S3_BUCKET="capability-files")["STORAGES"]["default"]["OPTIONS"]
    assert options["endpoint_url"] is None and options["region_name"] is None
    assert options["addressing_style"] is None and options["location"] == ""
    assert not {"access_key", "secret_key", "security_token"} & set(options)


def test_s3_storage_without_a_bucket_stops_with_a_clear_message():
    result = resolve_settings(DJANGO_STORAGE="s3")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_STORAGE=s3 needs DJANGO_S3_BUCKET" in result.stderr


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("DJANGO_STORAGE", "S3-bucket", "DJANGO_STORAGE must be 'filesystem' or 's3', not 's3-bucket'"),
        ("DJANGO_CACHE", "redis", "DJANGO_CACHE must be 'local' or 'database', not 'redis'"),
    ],
)
def test_an_unknown_storage_or_cache_stops_with_a_clear_message(variable, value, message):
    result = resolve_settings(**{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_database_cache_is_one_table_every_server_shares():
    cache = resolved(DJANGO_CACHE="database")["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert cache["LOCATION"] == "django_cache"


# Files in S3-compatible object storage -------------------------------------------

BUCKET = "capability-test-files"
REGION = "eu-west-2"


@pytest.fixture(scope="module")
def s3_storage_settings():
    """The default storage exactly as production settings make it for
    DJANGO_STORAGE=s3, resolved once for the module."""
    return resolved(
        DJANGO_STORAGE="s3", DJANGO_S3_BUCKET=BUCKET, DJANGO_S3_REGION=REGION, DJANGO_S3_PREFIX="test-run"
    )["STORAGES"]["default"]


@pytest.fixture
def s3_bucket(settings, s3_storage_settings):
    """An in-process S3 (moto) with the bucket made, and the default storage
    pointed at it. Yields a boto3 client to look inside the bucket."""
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings}
        yield client


def pdf_bytes(text: str) -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        + f"% {text}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def upload_evidence_file(client, content: bytes, name: str = "Sepsis audit.pdf") -> EvidenceAttachment:
    response = client.post(
        CREATE_URL, {**evidence_post(), "files": [SimpleUploadedFile(name, content, "application/pdf")]}
    )
    assert response.status_code == 302
    return EvidenceAttachment.objects.get()


def download_url(attachment) -> str:
    return reverse("portfolios:attachment_download", kwargs={"pk": attachment.evidence_id, "file_pk": attachment.pk})


@pytest.mark.django_db
def test_an_uploaded_evidence_file_is_a_private_object_in_the_bucket_and_downloads_byte_for_byte(
    s3_bucket, practitioner_client, framework, private_storage
):
    content = pdf_bytes("stored in object storage")
    attachment = upload_evidence_file(practitioner_client, content)

    key = f"test-run/{attachment.file.name}"
    assert s3_bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read() == content
    grants = s3_bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert grants[0]["Grantee"]["Type"] == "CanonicalUser"
    # Nothing was written to the local disk.
    assert not private_storage.exists()

    response = practitioner_client.get(download_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"] == 'attachment; filename="Sepsis audit.pdf"'
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_a_stranger_gets_404_for_an_evidence_file_in_the_bucket(
    s3_bucket, practitioner_client, other_user, framework
):
    attachment = upload_evidence_file(practitioner_client, pdf_bytes("not yours"))
    stranger = signed_in(Client(), other_user)
    assert stranger.get(download_url(attachment)).status_code == 404


@pytest.mark.django_db
def test_a_file_gone_from_the_bucket_is_404_rather_than_an_error(s3_bucket, practitioner_client, framework):
    attachment = upload_evidence_file(practitioner_client, pdf_bytes("deleted behind our back"))
    s3_bucket.delete_object(Bucket=BUCKET, Key=f"test-run/{attachment.file.name}")
    assert practitioner_client.get(download_url(attachment)).status_code == 404


@pytest.mark.django_db
def test_the_personal_data_export_includes_files_read_from_the_bucket(s3_bucket, practitioner_client, framework):
    content = pdf_bytes("in my data export")
    attachment = upload_evidence_file(practitioner_client, content)

    response = practitioner_client.post(reverse("reports:data_export"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))

    [entry] = [f for item in data["evidence"] for f in item["attachments"]]
    assert entry["name"] == attachment.original_name and not entry.get("missing")
    assert archive.read(entry["path"]) == content


# A cache shared by every server ---------------------------------------------------


@pytest.fixture
def database_cache(settings, db):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"},
    }
    call_command("createcachetable", verbosity=0)


def test_with_the_database_cache_two_servers_cache_handles_see_the_same_count(database_cache):
    one, two = caches.create_connection("default"), caches.create_connection("default")
    assert one is not two

    assert one.add("attempts", 1, timeout=60)
    assert two.incr("attempts") == 2
    assert one.get("attempts") == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_cache")
        assert cursor.fetchone()[0] == 1


def test_with_the_database_cache_the_rater_link_rate_limit_counts_requests_to_every_server(
    database_cache, settings, monkeypatch
):
    settings.FEEDBACK_LINK_RATE_LIMIT = 2
    servers = [caches.create_connection("default") for _ in range(2)]
    request = RequestFactory().get("/feedback/", REMOTE_ADDR="192.0.2.10")

    outcomes = []
    for attempt in range(3):
        # Each request lands on the other server, with its own cache handle.
        monkeypatch.setattr(rate_limit, "cache", servers[attempt % 2])
        outcomes.append(rater_views.rate_limited(request))

    assert outcomes == [False, False, True]


def test_createcachetable_is_harmless_with_the_local_memory_cache(db):
    """`make db` runs it whatever the cache, so it must do nothing here."""
    assert django_settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    call_command("createcachetable", verbosity=0)
    assert "django_cache" not in connection.introspection.table_names()


# Static files ----------------------------------------------------------------------


@pytest.fixture
def collected_static(settings, tmp_path, db):
    """collectstatic with the production manifest storage into a fresh
    folder. Django admin's files are left out: they only make it slower.
    (The database is only for closing responses, which closes connections.)"""
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=["admin"])
    assert (settings.STATIC_ROOT / "staticfiles.json").is_file()
    return settings.STATIC_ROOT


def test_a_hashed_static_file_is_served_for_ten_years_as_immutable(collected_static):
    url = staticfiles_storage.url("js/app.js")
    assert url != "/static/js/app.js"  # it carries the content hash

    # A new client, so WhiteNoise starts afresh on the folder just collected.
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == FAR_FUTURE
    assert b"".join(response.streaming_content) == (BASE_DIR / "static" / "js" / "app.js").read_bytes()
    response.close()


def test_an_unhashed_static_file_is_cached_for_an_hour_only(collected_static):
    response = Client().get("/static/js/app.js")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=3600, public"
    response.close()
