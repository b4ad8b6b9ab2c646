"""Demo people and organisations for `manage.py seed_demo`. Fictional names,
fictional ODS codes and example.* email domains: nothing here is real."""

from dataclasses import dataclass, field

from accounts.models import Profession, RegistrationBody, Role

# Demo-only: printed by seed_demo and listed in README. Never use outside a demo.
DEMO_PASSWORD = "demo-only-password"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    roles: tuple[str, ...]
    profession: str = ""
    registration_body: str = ""
    registration_number: str = ""
    appraisers: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    ods_code: str
    people: tuple[DemoPerson, ...]


P, A, ADMIN = Role.PRACTITIONER, Role.APPRAISER, Role.ORGANISATION_ADMIN

DEMO_ORGANISATIONS = (
    DemoOrganisation(
        name="Northfield Teaching Hospitals NHS Foundation Trust",
        ods_code="XN1",
        people=(
            DemoPerson("grace.okafor@northfield.example", "Grace Okafor", (ADMIN,)),
            DemoPerson("helen.marsh@northfield.example", "Helen Marsh", (A,), Profession.NURSE,
                       RegistrationBody.NMC, "98A7654C"),
            DemoPerson("tom.bradley@northfield.example", "Tom Bradley", (A,), Profession.PHYSIOTHERAPIST,
                       RegistrationBody.HCPC, "PH112233"),
            DemoPerson("aisha.khan@northfield.example", "Aisha Khan", (P,), Profession.NURSE,
                       RegistrationBody.NMC, "05I1234E", appraisers=("helen.marsh@northfield.example",)),
            DemoPerson("daniel.price@northfield.example", "Daniel Price", (P,), Profession.PHYSIOTHERAPIST,
                       RegistrationBody.HCPC, "PH098765", appraisers=("tom.bradley@northfield.example",)),
            DemoPerson("priya.shah@northfield.example", "Priya Shah", (P,), Profession.PHARMACIST,
                       RegistrationBody.GPHC, "2071234",
                       appraisers=("helen.marsh@northfield.example", "tom.bradley@northfield.example")),
            DemoPerson("owen.jones@northfield.example", "Owen Jones", (P,), Profession.HEALTHCARE_SCIENTIST,
                       RegistrationBody.HCPC, "CS054321", appraisers=("tom.bradley@northfield.example",)),
            DemoPerson("maria.santos@northfield.example", "Maria Santos", (P,), Profession.PARAMEDIC,
                       RegistrationBody.HCPC, "PA076543", appraisers=("helen.marsh@northfield.example",)),
        ),
    ),
    DemoOrganisation(
        name="Riverside Community Health NHS Trust",
        ods_code="XR2",
        people=(
            DemoPerson("samuel.adeyemi@riverside.example", "Samuel Adeyemi", (ADMIN,)),
            DemoPerson("fiona.campbell@riverside.example", "Fiona Campbell", (A,),
                       Profession.OCCUPATIONAL_THERAPIST, RegistrationBody.HCPC, "OT045678"),
            DemoPerson("raj.patel@riverside.example", "Raj Patel", (A, P), Profession.PHARMACIST,
                       RegistrationBody.GPHC, "2059876", appraisers=("fiona.campbell@riverside.example",)),
            DemoPerson("lucy.evans@riverside.example", "Lucy Evans", (P,), Profession.MIDWIFE,
                       RegistrationBody.NMC, "11C2345E", appraisers=("fiona.campbell@riverside.example",)),
            DemoPerson("ben.carter@riverside.example", "Ben Carter", (P,), Profession.OCCUPATIONAL_THERAPIST,
                       RegistrationBody.HCPC, "OT067890", appraisers=("raj.patel@riverside.example",)),
            DemoPerson("hannah.lewis@riverside.example", "Hannah Lewis", (P,),
                       Profession.SPEECH_AND_LANGUAGE_THERAPIST, RegistrationBody.HCPC, "SL034567",
                       appraisers=("fiona.campbell@riverside.example",)),
            DemoPerson("kwame.mensah@riverside.example", "Kwame Mensah", (P,), Profession.NURSE,
                       RegistrationBody.NMC, "09D8765E", appraisers=("raj.patel@riverside.example",)),
        ),
    ),
)
