from django.urls import path
from rest_framework.routers import DefaultRouter

from .targets import TargetObjectViewSet
from .views import (
    CheckRunViewSet,
    CheckViewSet,
    FindingViewSet,
    RequirementViewSet,
    StatusView,
    WaiverViewSet,
)

router = DefaultRouter()
# The API root lives in portal.api.urls; this router only adds its collections.
router.include_root_view = False
router.register("compliance/requirements", RequirementViewSet, basename="compliance-requirement")
router.register("compliance/checks", CheckViewSet, basename="compliance-check")
router.register("compliance/findings", FindingViewSet, basename="compliance-finding")
router.register("compliance/runs", CheckRunViewSet, basename="compliance-run")
router.register("compliance/waivers", WaiverViewSet, basename="compliance-waiver")
router.register("compliance/targets", TargetObjectViewSet, basename="compliance-target")

urlpatterns = [
    path("compliance/status/", StatusView.as_view(), name="compliance-status"),
    *router.urls,
]
