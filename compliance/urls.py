from django.urls import path

from . import assessment_views, bulk, report_views, views

app_name = "compliance"
urlpatterns = [
    path("compliance/", views.dashboard, name="dashboard"),
    path("compliance/requirements/", views.requirement_list, name="requirement-list"),
    path("compliance/requirements/<str:ref>/", views.requirement_detail, name="requirement-detail"),
    path("compliance/findings/", views.finding_list, name="finding-list"),
    path("compliance/findings/waive/", bulk.finding_waive_bulk, name="finding-waive-bulk"),
    path("compliance/findings/<int:pk>/", views.finding_detail, name="finding-detail"),
    path("compliance/findings/<int:finding_id>/waive/", views.waiver_new, name="waiver-new"),
    path("compliance/checks/", views.check_list, name="check-list"),
    path("compliance/checks/<str:check_id>/", views.check_edit, name="check-edit"),
    path("compliance/waivers/", views.waiver_list, name="waiver-list"),
    path("compliance/waivers/<int:pk>/approve/", views.waiver_approve_view, name="waiver-approve"),
    path("compliance/waivers/<int:pk>/revoke/", views.waiver_revoke_view, name="waiver-revoke"),
    path("compliance/baselines/", views.baseline_list, name="baseline-list"),
    path("compliance/baselines/approve/", views.baselines_approve_view, name="baselines-approve"),
    path(
        "compliance/baselines/<str:object_type>/<int:object_id>/",
        views.baseline_detail,
        name="baseline-detail",
    ),
    path("compliance/runs/", views.run_list, name="run-list"),
    path("compliance/targets/", assessment_views.target_list, name="target-list"),
    path("compliance/targets/new/", assessment_views.target_new, name="target-new"),
    path("compliance/targets/<int:pk>/", assessment_views.target_detail, name="target-detail"),
    path("compliance/targets/<int:pk>/need/", assessment_views.target_need, name="target-need"),
    path(
        "compliance/targets/<int:pk>/assess/<str:ref>/",
        assessment_views.assessment_edit,
        name="assessment-edit",
    ),
    path("compliance/reports/findings.csv", report_views.findings_csv_view, name="findings-csv"),
    path("compliance/reports/findings.json", report_views.findings_json_view, name="findings-json"),
    path("compliance/reports/check.pdf", report_views.report_pdf_view, name="report-pdf"),
    path("compliance/reports/oscal.json", report_views.oscal_view, name="report-oscal"),
    path("compliance/reports/oscal-poam.json", report_views.poam_view, name="report-poam"),
    path("compliance/reports/verinice.csv", report_views.verinice_view, name="report-verinice"),
]
