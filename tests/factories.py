import datetime

import factory

from accounts.models import AppraiserAssignment, Membership, Organisation, Profession, Role, User
from capability.models import Capability, CapabilityElement, ElementBullet, Framework, Pillar
from impact.models import EvidenceExample, ImpactStatement

TEST_PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@trust.example")
    full_name = factory.Faker("name", locale="en_GB")
    profession = Profession.NURSE
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Test Trust {n} NHS Foundation Trust")
    ods_code = factory.Sequence(lambda n: f"T{n:03d}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.PRACTITIONER


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppraiserAssignment

    organisation = factory.SubFactory(OrganisationFactory)
    practitioner = factory.SubFactory(UserFactory)
    appraiser = factory.SubFactory(UserFactory)


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    slug = factory.Sequence(lambda n: f"framework-{n}")
    name = factory.Sequence(lambda n: f"Test framework {n}")
    version = "1"
    publisher = "Test publisher"
    year = 2024


class PillarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pillar

    framework = factory.SubFactory(FrameworkFactory)
    slug = factory.Sequence(lambda n: f"domain-{n}")
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Domain {n}")
    purpose = "A purpose."


class CapabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Capability

    pillar = factory.SubFactory(PillarFactory)
    framework = factory.SelfAttribute("pillar.framework")
    number = factory.Sequence(lambda n: n + 1)
    statement = factory.Sequence(lambda n: f"Capability statement {n}")


class ElementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapabilityElement

    capability = factory.SubFactory(CapabilityFactory)
    order = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: f"{o.capability.number}.{o.order}")
    text = "An element."


class BulletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ElementBullet

    element = factory.SubFactory(ElementFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = "A bullet."


class ImpactStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImpactStatement

    pillar = factory.SubFactory(PillarFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = "An impact statement."


class EvidenceExampleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceExample

    impact_statement = factory.SubFactory(ImpactStatementFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = "An example of evidence."


class AssessmentFactory(factory.django.DjangoModelFactory):
    """An assessment started through the service, so it has a rating row for
    every capability. Needs the framework loaded."""

    class Meta:
        model = "portfolios.Assessment"

    practitioner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Self-assessment {n}")
    period_start = datetime.date(2026, 4, 1)
    period_end = datetime.date(2027, 3, 31)

    @classmethod
    def _create(cls, model_class, *args, status=None, **kwargs):
        from portfolios import services

        assessment = services.start_assessment(**kwargs)
        if status:
            model_class.objects.filter(pk=assessment.pk).update(status=status)
            assessment.refresh_from_db()
        return assessment


def _next_evidence_number(owner) -> int:
    from portfolios.evidence_numbers import next_number

    return next_number(owner.pk)


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "portfolios.EvidenceItem"
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    # As the service numbers them: E1 is the owner's first item.
    number = factory.LazyAttribute(lambda item: _next_evidence_number(item.owner))
    title = factory.Sequence(lambda n: f"Evidence item {n}")
    evidence_type = "reflective_account"
    activity_date = datetime.date(2026, 5, 1)
    description = "What I did."

    @factory.post_generation
    def capabilities(obj, create, extracted, **kwargs):
        from capability.models import Capability
        from portfolios.models import EvidenceCapabilityLink

        if not create:
            return
        capabilities = extracted
        if capabilities is None:
            capabilities = list(Capability.objects.filter(number=1)[:1])
        EvidenceCapabilityLink.objects.bulk_create(
            EvidenceCapabilityLink(evidence=obj, owner_id=obj.owner_id, capability=c) for c in capabilities
        )
