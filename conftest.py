"""Suite-wide pytest hooks. Role fixtures live in tests/conftest.py."""

import os

import pytest


def pytest_report_header(config):
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    vendor = connection.vendor
    try:
        with config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SHOW server_version")
                version = cursor.fetchone()[0].split()[0]
            elif vendor == "sqlite":
                cursor.execute("select sqlite_version()")
                version = cursor.fetchone()[0]
            else:
                version = "unknown"
    finally:
        connection.close()
    return f"database: {vendor} {version}"


def pytest_configure(config):
    from django.db import connection

    if os.environ.get("REQUIRE_POSTGRES") == "1" and connection.vendor != "postgresql":
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but the suite is not running on PostgreSQL")
