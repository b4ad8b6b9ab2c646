from django.urls import path

from portfolios.views import assessments, confirmations, evidence, plan, review, sign_off

app_name = "portfolios"

urlpatterns = [
    path("assessments/new/", assessments.start, name="assessment_start"),
    path("assessments/<uuid:pk>/", assessments.summary, name="assessment_summary"),
    path("assessments/<uuid:pk>/pillars/<slug:pillar_slug>/", assessments.pillar_page, name="assessment_pillar"),
    path("assessments/<uuid:pk>/gaps/", assessments.gaps, name="assessment_gaps"),
    path("assessments/<uuid:pk>/carried/", assessments.carried, name="assessment_carried"),
    path("assessments/<uuid:pk>/submit/", assessments.submit, name="assessment_submit"),
    path("assessments/<uuid:pk>/submitted/", assessments.submitted, name="assessment_submitted"),
    path("assessments/<uuid:pk>/review/", review.review, name="review"),
    path("assessments/<uuid:pk>/review/pillars/<slug:pillar_slug>/", review.review_pillar, name="review_pillar"),
    path("assessments/<uuid:pk>/review/summary/", review.review_summary, name="review_summary"),
    path("assessments/<uuid:pk>/review/return/", sign_off.review_return, name="review_return"),
    path("assessments/<uuid:pk>/review/sign-off/", sign_off.review_sign_off, name="review_sign_off"),
    path("assessments/<uuid:pk>/review/done/", sign_off.review_done, name="review_done"),
    path("assessments/<uuid:pk>/decision/", sign_off.practitioner_decision, name="practitioner_decision"),
    path("assessments/<uuid:pk>/sign-off/", sign_off.practitioner_sign_off, name="practitioner_sign_off"),
    path("assessments/<uuid:pk>/signed-off/", sign_off.signed_off, name="assessment_signed_off"),
    path("assessments/<uuid:pk>/history/", review.history, name="assessment_history"),
    path("assessments/<uuid:pk>/plan/new/", plan.objective_form, name="objective_create"),
    path("assessments/<uuid:pk>/plan/<uuid:objective_pk>/", plan.objective_form, name="objective_edit"),
    path("assessments/<uuid:pk>/plan/<uuid:objective_pk>/delete/", plan.objective_delete, name="objective_delete"),
    path("assessments/<uuid:pk>/plan/<uuid:objective_pk>/status/", plan.objective_status, name="objective_status"),
    path("reviews/", review.reviews, name="reviews"),
    path("evidence/", evidence.evidence_list, name="evidence_list"),
    path("evidence/new/", evidence.evidence_create, name="evidence_create"),
    path("evidence/<uuid:pk>/", evidence.evidence_detail, name="evidence_detail"),
    path("evidence/<uuid:pk>/edit/", evidence.evidence_edit, name="evidence_edit"),
    path("evidence/<uuid:pk>/delete/", evidence.evidence_delete, name="evidence_delete"),
    path("evidence/<uuid:pk>/files/<uuid:file_pk>/", evidence.attachment_download, name="attachment_download"),
    path("evidence/<uuid:pk>/confirmation/", confirmations.request_confirmation, name="confirmation_request"),
    path("evidence/<uuid:pk>/confirmation/<uuid:confirmation_pk>/remind/", confirmations.remind,
         name="confirmation_remind"),
    path("evidence/<uuid:pk>/confirmation/<uuid:confirmation_pk>/withdraw/", confirmations.withdraw,
         name="confirmation_withdraw"),
]
