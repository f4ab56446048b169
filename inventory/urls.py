"""Inventory pages, mounted at /. Names live in the ``inventory`` namespace."""

from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("endpoints/", views.endpoint_list, name="endpoint-list"),
    path("sync-runs/", views.sync_run_list, name="sync-run-list"),
    path("hosts/", views.host_list, name="host-list"),
    path("hosts/<int:pk>/", views.host_detail, name="host-detail"),
    path("vms/", views.vm_list, name="vm-list"),
    path("vms/<int:pk>/", views.vm_detail, name="vm-detail"),
    path("snapshots/", views.snapshot_list, name="snapshot-list"),
    path("datastores/", views.datastore_list, name="datastore-list"),
    path("networks/", views.network_list, name="network-list"),
]
