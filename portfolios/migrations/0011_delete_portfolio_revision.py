"""The page cache is gone (docs/adr/0002-no-page-cache.md), and with it the
counters its keys were made of."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portfolios", "0010_portfolio_revision_overview_number"),
    ]

    operations = [
        migrations.DeleteModel(name="PortfolioRevision"),
    ]
