"""Inventory pages, mounted at /. Names live in the ``inventory`` namespace."""

from django.urls import path

from . import views
from .views import endpoint_admin

app_name = "inventory"

urlpatterns = [
    path("endpoints/", views.endpoint_list, name="endpoint-list"),
    path("endpoints/new/", endpoint_admin.endpoint_add, name="endpoint-add"),
    path(
        "endpoints/new/<int:pk>/", endpoint_admin.endpoint_add_confirm, name="endpoint-add-confirm"
    ),
    path("endpoints/probes/<int:pk>/status.json", endpoint_admin.probe_status, name="probe-status"),
    path("endpoints/<int:pk>/", endpoint_admin.endpoint_detail, name="endpoint-detail"),
    path("endpoints/<int:pk>/edit/", endpoint_admin.endpoint_edit, name="endpoint-edit"),
    path("endpoints/<int:pk>/toggle/", endpoint_admin.endpoint_toggle, name="endpoint-toggle"),
    path("endpoints/<int:pk>/sync/", endpoint_admin.endpoint_sync, name="endpoint-sync"),
    path("endpoints/<int:pk>/delete/", endpoint_admin.endpoint_delete, name="endpoint-delete"),
    path("endpoints/<int:pk>/certificate/", endpoint_admin.endpoint_repin, name="endpoint-repin"),
    path(
        "endpoints/<int:pk>/certificate/<int:probe>/",
        endpoint_admin.endpoint_repin,
        name="endpoint-repin",
    ),
    path("sync-runs/", views.sync_run_list, name="sync-run-list"),
    path("hosts/", views.host_list, name="host-list"),
    path("hosts/<int:pk>/", views.host_detail, name="host-detail"),
    path("vms/", views.vm_list, name="vm-list"),
    path("vms/<int:pk>/", views.vm_detail, name="vm-detail"),
    path("snapshots/", views.snapshot_list, name="snapshot-list"),
    path("datastores/", views.datastore_list, name="datastore-list"),
    path("networks/", views.network_list, name="network-list"),
]
