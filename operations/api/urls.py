"""Operation API routes (snapshot create/delete/revert, operations, policies).

Included before the read-only inventory routes, so ``snapshots/<pk>/`` (GET delegated, DELETE
here) wins over the router's read-only detail route.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    OperationViewSet,
    SnapshotDetailView,
    SnapshotPolicyViewSet,
    SnapshotRevertView,
    VmSnapshotsView,
)

router = SimpleRouter()
router.register("operations", OperationViewSet, basename="operation")
router.register("snapshot-policies", SnapshotPolicyViewSet, basename="snapshot-policy")

urlpatterns = [
    path("vms/<int:pk>/snapshots/", VmSnapshotsView.as_view(), name="vm-snapshots"),
    path("snapshots/<int:pk>/", SnapshotDetailView.as_view(), name="snapshot-operation-detail"),
    path("snapshots/<int:pk>/revert/", SnapshotRevertView.as_view(), name="snapshot-revert"),
    *router.urls,
]
