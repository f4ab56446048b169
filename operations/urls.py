"""Operation pages (operations list, policies, snapshot actions), mounted at /.

Names live in the ``operations`` namespace; the paths are those the pages had in the inventory app.
"""

from django.urls import path

from . import bulk, views

app_name = "operations"

urlpatterns = [
    path("operations/", views.operation_list, name="operation-list"),
    path("operations/<int:pk>/", views.operation_detail, name="operation-detail"),
    path("operations/<int:pk>/status.json", views.operation_status, name="operation-status"),
    path("operations/<int:pk>/log/", views.operation_log, name="operation-log"),
    path("vms/<int:pk>/snapshots/new/", views.vm_snapshot_create, name="vm-snapshot-create"),
    path("snapshots/bulk/", bulk.snapshot_bulk, name="snapshot-bulk"),
    path("snapshots/<int:pk>/delete/", views.snapshot_delete, name="snapshot-delete"),
    path("snapshots/<int:pk>/revert/", views.snapshot_revert, name="snapshot-revert-confirm"),
    path("snapshot-policies/", views.policy_list, name="snapshot-policy-list"),
    path("snapshot-policies/new/", views.policy_edit, name="snapshot-policy-create"),
    path("snapshot-policies/<int:pk>/edit/", views.policy_edit, name="snapshot-policy-edit"),
    path("snapshot-policies/<int:pk>/run/", views.policy_run_now, name="snapshot-policy-run"),
]
