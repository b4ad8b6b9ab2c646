# Assessments and evidence arrive with the practitioner journey.
