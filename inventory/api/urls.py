"""Inventory API routes, mounted under /api/."""

from rest_framework.routers import DefaultRouter

from . import views
from .endpoints import EndpointViewSet, SyncRunViewSet

router = DefaultRouter()
# The API root lives in portal.api.urls; this router only adds its collections.
router.include_root_view = False
router.register("endpoints", EndpointViewSet, basename="endpoint")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")
router.register("clusters", views.ClusterViewSet, basename="cluster")
router.register("hosts", views.HostViewSet, basename="host")
router.register("nics", views.PhysicalNicViewSet, basename="nic")
router.register("switches", views.VirtualSwitchViewSet, basename="switch")
router.register("networks", views.NetworkViewSet, basename="network")
router.register("datastores", views.DatastoreViewSet, basename="datastore")
router.register("vms", views.VirtualMachineViewSet, basename="vm")
router.register("snapshots", views.SnapshotViewSet, basename="snapshot")
router.register("utilization", views.UtilizationSampleViewSet, basename="utilization-sample")
router.register("console-sessions", views.ConsoleSessionViewSet, basename="console-session")
urlpatterns = router.urls
