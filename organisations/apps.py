from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    """The organisation admin area: members, roles, appraiser assignments,
    invitations, the dashboard. Its models (organisations, memberships,
    assignments, invitations) live in accounts, the leaf every app reads."""

    name = "organisations"
    verbose_name = "Organisation admin"
