import datetime
import json

from django.core.management import BaseCommand, CommandError, call_command
from django.db import transaction

from accounts import services
from accounts.demo import DEMO_ORGANISATIONS, DEMO_PASSWORD
from accounts.models import Organisation, Role


class Command(BaseCommand):
    help = "Create demo organisations and people (demo-only passwords). Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the demo accounts as a JSON list.")
        scale = parser.add_argument_group(
            "data at scale", "Instead of the demo people: N made-up organisations of M practitioners with K "
            "evidence items each, for load tests (portfolios/scale_data.py). All three are needed."
        )
        scale.add_argument("--organisations", type=int, metavar="N")
        scale.add_argument("--practitioners-per-org", type=int, metavar="M")
        scale.add_argument("--evidence-per-practitioner", type=int, metavar="K")

    def handle(self, *args, **options):
        sizes = [options["organisations"], options["practitioners_per_org"], options["evidence_per_practitioner"]]
        if any(size is not None for size in sizes):
            return self.seed_at_scale(*sizes)
        accounts = self.seed()
        if options["json"]:
            self.stdout.write(json.dumps(accounts, indent=2))
            return
        self.stdout.write(f"Demo accounts (password for every one: {DEMO_PASSWORD} — demo only):")
        for account in accounts:
            self.stdout.write(f"  {account['email']:<40} {', '.join(account['roles']):<35} {account['organisation']}")

    def seed_at_scale(self, organisations, practitioners, evidence) -> None:
        from capability.models import Framework
        from portfolios.scale_data import generate

        if None in (organisations, practitioners, evidence):
            raise CommandError(
                "Give all of --organisations, --practitioners-per-org and --evidence-per-practitioner"
            )
        if organisations < 1 or practitioners < 1 or evidence < 0:
            raise CommandError("Organisations and practitioners must be at least 1, evidence at least 0")
        if not Framework.objects.current().exists():
            call_command("load_framework", verbosity=0)
        made = generate(
            organisations=organisations, practitioners_per_org=practitioners, evidence_per_practitioner=evidence,
            report=self.stdout.write,
        )
        self.stdout.write(
            f"Made {made['organisations']} organisations, {made['practitioners']} practitioners and "
            f"{made['evidence']} evidence items in {made['seconds']} s (password for every account: "
            f"{DEMO_PASSWORD} — demo only)"
        )

    @transaction.atomic
    def seed(self) -> list[dict]:
        from capability.models import Framework
        from feedback.demo import seed_closed_round
        from portfolios.demo import seed_portfolio

        def closed_round(assessment):
            seed_closed_round(assessment, closes_on=datetime.date(2026, 1, 30))

        if not Framework.objects.current().exists():
            call_command("load_framework", verbosity=0)
        accounts = []
        practitioner_index = 0
        for demo_org in DEMO_ORGANISATIONS:
            organisation, _ = Organisation.objects.update_or_create(
                ods_code=demo_org.ods_code, defaults={"name": demo_org.name}
            )
            users = {}
            for person in demo_org.people:
                user = services.ensure_user(
                    email=person.email,
                    full_name=person.full_name,
                    password=DEMO_PASSWORD,
                    profession=person.profession,
                    registration_body=person.registration_body,
                    registration_number=person.registration_number,
                )
                users[person.email] = user
                for role in person.roles:
                    services.grant_role(user=user, organisation=organisation, role=role)
            for person in demo_org.people:
                for appraiser_email in person.appraisers:
                    services.assign_appraiser(
                        organisation=organisation, practitioner=users[person.email], appraiser=users[appraiser_email]
                    )
            for person in demo_org.people:
                if Role.PRACTITIONER in person.roles:
                    seed_portfolio(
                        users[person.email], index=practitioner_index,
                        # The first practitioner gathered 360° feedback before their appraisal.
                        before_review=closed_round if practitioner_index == 0 else None,
                    )
                    practitioner_index += 1
            for person in demo_org.people:
                account = {
                    "email": person.email,
                    "password": DEMO_PASSWORD,
                    "name": person.full_name,
                    "organisation": organisation.ods_code,
                    "roles": [str(role) for role in person.roles],
                }
                if "practitioner" in account["roles"]:
                    account["appraisers"] = list(person.appraisers)
                accounts.append(account)
        return accounts
